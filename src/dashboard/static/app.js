// The dashboard page: login with a Kubernetes token, the list of canaries, and routing to a canary's
// page (canary-page.js). Data comes from /api/*, live changes from one server-sent event stream.
// DOM is built with textContent only, never from HTML strings: names and messages cannot inject markup.
import { renderCanaryPage, updateCanaryPage } from "./canary-page.js";

const main = document.getElementById("main");
const state = {
  session: undefined,
  canaries: new Map(),
  focus: undefined,
  stream: undefined,
};

/** h("td", { class: "x" }, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    el.append(
      child instanceof Node ? child : document.createTextNode(String(child)),
    );
  }
  return el;
}

export function age(since) {
  if (!since) return "-";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function chips(checks) {
  return checks.map((c) =>
    h(
      "span",
      { class: `chip ${c.verdict}`, title: c.verdict },
      `${c.metric} ${c.value ?? c.verdict}`,
    ),
  );
}

export function weightBar(weight, max) {
  const fill = h("span");
  // CSSOM, not a style attribute: the CSP allows no inline styles.
  fill.style.width = `${Math.min(100, Math.round((100 * weight) / Math.max(1, max)))}%`;
  return h("span", { class: "bar", title: `${weight}% of traffic` }, fill);
}

/** Calls the API with the session cookie; writes carry the CSRF token. */
export async function api(path, options = {}) {
  const headers = { "content-type": "application/json" };
  if (options.method && options.method !== "GET")
    headers["x-csrf-token"] = state.session?.csrf ?? "";
  const response = await fetch(path, {
    ...options,
    headers,
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    const had = state.session !== undefined;
    state.session = undefined;
    showLogin(had ? "Your session ended: log in again." : "");
  }
  return { status: response.status, body };
}

function showLogin(message) {
  closeStream();
  document.getElementById("who").textContent = "";
  document.getElementById("logout").hidden = true;
  const error = h("p", { class: "error", id: "login-error" }, message ?? "");
  const token = h("textarea", {
    id: "token",
    name: "token",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "eyJhbGciOi…",
  });
  const form = h(
    "form",
    {
      class: "login",
      id: "login",
      onsubmit: async (e) => {
        e.preventDefault();
        const response = await fetch("/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: token.value }),
          credentials: "same-origin",
        });
        const body = await response.json().catch(() => ({}));
        token.value = "";
        if (response.status !== 200) {
          error.textContent =
            body.error ?? `login failed (HTTP ${response.status})`;
          return;
        }
        state.session = body;
        void start();
      },
    },
    h("h2", {}, "Log in"),
    h(
      "p",
      { class: "muted" },
      "Paste a Kubernetes bearer token: ",
      h("code", {}, "kubectl create token NAME -n NAMESPACE"),
      ". You see the namespaces where you may list canaries.",
    ),
    token,
    h("p", {}, h("button", { type: "submit" }, "Log in")),
    error,
  );
  main.replaceChildren(form);
}

function closeStream() {
  state.stream?.close();
  state.stream = undefined;
}

function openStream() {
  closeStream();
  const query = state.focus ? `?focus=${encodeURIComponent(state.focus)}` : "";
  const stream = new EventSource(`/api/stream${query}`);
  stream.addEventListener("summary", (e) => {
    const summary = JSON.parse(e.data);
    state.canaries.set(`${summary.namespace}/${summary.name}`, summary);
    if (!state.focus) renderList();
  });
  stream.addEventListener("removed", (e) => {
    const { namespace, name } = JSON.parse(e.data);
    state.canaries.delete(`${namespace}/${name}`);
    if (!state.focus) renderList();
  });
  stream.addEventListener("detail", (e) => {
    if (state.focus) updateCanaryPage(JSON.parse(e.data));
  });
  stream.addEventListener("expired", () =>
    showLogin("Your session expired: log in again."),
  );
  // The browser reconnects by itself; when the session is gone the next API call shows the login.
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) void api("/api/session");
  };
  state.stream = stream;
}

function renderList() {
  const rows = [...state.canaries.values()].map((c) =>
    h(
      "tr",
      {
        "data-canary": `${c.namespace}/${c.name}`,
        "data-phase": c.phase,
        "data-weight": c.weight,
      },
      h("td", {}, c.namespace),
      h(
        "td",
        {},
        h("a", { href: `#/canary/${c.namespace}/${c.name}` }, c.name),
      ),
      h(
        "td",
        {},
        h("span", { class: `phase ${c.phase}` }, c.phase),
        c.pausedBy ? ` (paused by ${c.pausedBy})` : "",
      ),
      h("td", {}, weightBar(c.weight, c.maxWeight), ` ${c.weight}%`),
      h("td", {}, `${c.failedChecks}/${c.threshold ?? "-"}`),
      h("td", {}, chips(c.lastChecks)),
      h("td", { "data-since": c.phaseSince ?? "" }, age(c.phaseSince)),
    ),
  );
  main.replaceChildren(
    h("h2", {}, "Canaries"),
    rows.length === 0
      ? h("p", { class: "muted", id: "empty" }, "No canaries you may see.")
      : h(
          "table",
          { id: "canaries" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              [
                "Namespace",
                "Name",
                "Phase",
                "Weight",
                "Failed",
                "Last checks",
                "In phase",
              ].map((t) => h("th", {}, t)),
            ),
          ),
          h("tbody", {}, rows),
        ),
  );
}

async function route() {
  const match = /^#\/canary\/([^/]+)\/([^/]+)$/.exec(location.hash);
  state.focus = match ? `${match[1]}/${match[2]}` : undefined;
  if (match) {
    const { status, body } = await api(`/api/canaries/${match[1]}/${match[2]}`);
    if (status === 401) return;
    if (status !== 200) {
      main.replaceChildren(
        h("p", { class: "error" }, body.error ?? `HTTP ${status}`),
        h("a", { href: "#/" }, "All canaries"),
      );
      return;
    }
    renderCanaryPage(main, body, { api, h, chips, weightBar, age });
  } else {
    const { status, body } = await api("/api/canaries");
    if (status !== 200) return;
    state.canaries = new Map(
      body.canaries.map((c) => [`${c.namespace}/${c.name}`, c]),
    );
    renderList();
  }
  openStream();
}

async function start() {
  const { status, body } = await api("/api/session");
  if (status !== 200) return;
  state.session = body;
  document.getElementById("who").textContent = body.user;
  const logout = document.getElementById("logout");
  logout.hidden = false;
  logout.onclick = async () => {
    await api("/logout", { method: "POST" });
    state.session = undefined;
    showLogin("Logged out.");
  };
  await route();
}

window.addEventListener("hashchange", () => {
  if (state.session) void route();
});
// Ages tick without a server round trip.
setInterval(() => {
  for (const cell of document.querySelectorAll("[data-since]"))
    cell.textContent = age(cell.getAttribute("data-since"));
}, 1000);
void start();
