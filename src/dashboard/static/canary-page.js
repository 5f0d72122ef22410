// A canary's page: its state and buttons, a chart of the canary weight at each analysis step, one chart
// per metric (values against the threshold band, failed checks marked) and the event timeline.
// Charts are uPlot (loaded by index.html as the global `uPlot`).

let page; // { root, ui, detail, run, charts: Map<string, uPlot> }

/**
 * "0.5 <= value <= 500", ">= 99", "<= 500" -> { min, max }. A comparison with the primary comes first
 * ("<= 1.5x primary, <= 500"): only its absolute part is a fixed band.
 */
export function thresholdRange(text) {
  const absolute = (text ?? "").split(", ").at(-1);
  const range = {};
  const between = /^(-?[\d.e+]+) <= value <= (-?[\d.e+]+)$/.exec(absolute);
  if (between) return { min: Number(between[1]), max: Number(between[2]) };
  const min = /^>= (-?[\d.e+]+)$/.exec(absolute);
  if (min) range.min = Number(min[1]);
  const max = /^<= (-?[\d.e+]+)$/.exec(absolute);
  if (max) range.max = Number(max[1]);
  return range;
}

const times = (run) => run.t.map((s) => Date.parse(run.startedAt) / 1000 + s);

function chartOptions(title, width, series, extra = {}) {
  return {
    title,
    width,
    height: 220,
    scales: { x: { time: true } },
    series: [{}, ...series],
    ...extra,
  };
}

function weightChart(run, width) {
  const data = [times(run), run.w];
  const options = chartOptions(
    "Canary weight (%)",
    width,
    [
      {
        label: "weight",
        stroke: "#2f6fd6",
        width: 2,
        points: { show: true, size: 6 },
      },
    ],
    { scales: { x: { time: true }, y: { range: [0, 100] } } },
  );
  return { data, options, points: run.t.length, failed: 0 };
}

function metricChart(run, metric, width) {
  const x = times(run);
  const { min, max } = thresholdRange(metric.threshold);
  const failed = [...metric.r].map((code, i) =>
    code === "f" ? (metric.v[i] ?? 0) : null,
  );
  const series = [
    {
      label: metric.name,
      stroke: "#1d232b",
      width: 2,
      points: { show: true, size: 5 },
      spanGaps: false,
    },
    {
      label: "failed",
      stroke: "#c93434",
      fill: "#c93434",
      width: 0,
      paths: () => null,
      points: { show: true, size: 11, fill: "#c93434", stroke: "#c93434" },
    },
  ];
  const data = [x, metric.v, failed];
  const addLine = (label, values, style) => {
    series.push({ label, width: 1, points: { show: false }, ...style });
    data.push(values);
  };
  const bound = { stroke: "#1f8a4c", dash: [6, 4] };
  if (min !== undefined)
    addLine(
      "min",
      x.map(() => min),
      bound,
    );
  if (max !== undefined)
    addLine(
      "max",
      x.map(() => max),
      bound,
    );
  // compareTo: primary: the primary's value at each step, last so the band's series numbers hold.
  if (metric.pv)
    addLine("primary", metric.pv, {
      stroke: "#3b6fb6",
      width: 1.5,
      points: { show: true, size: 4 },
      spanGaps: false,
    });
  // The pass band: between min and max, or from the one bound to the edge of the chart.
  const bands =
    min !== undefined && max !== undefined
      ? [{ series: [4, 3], fill: "rgba(31,138,76,0.08)" }]
      : [];
  return {
    data,
    options: chartOptions(
      `${metric.name} (${metric.threshold ?? "no threshold"})`,
      width,
      series,
      { bands },
    ),
    points: metric.v.length,
    failed: failed.filter((v) => v !== null).length,
  };
}

function drawCharts(run) {
  const holder = page.root.querySelector("#charts");
  const width = Math.max(320, Math.min(520, holder.clientWidth || 520));
  const specs = [
    ["weight", weightChart(run, width)],
    ...run.metrics.map((m) => [`metric:${m.name}`, metricChart(run, m, width)]),
  ];
  const keys = specs.map(([k]) => k).join("|");
  if (page.chartKeys !== keys) {
    for (const chart of page.charts.values()) chart.destroy();
    page.charts = new Map();
    holder.replaceChildren();
    page.chartKeys = keys;
  }
  for (const [key, spec] of specs) {
    let box = holder.querySelector(`[data-chart="${CSS.escape(key)}"]`);
    if (!box) {
      box = page.ui.h("div", { class: "chart", "data-chart": key });
      holder.append(box);
    }
    box.setAttribute("data-points", spec.points);
    box.setAttribute("data-failed", spec.failed);
    box.setAttribute(
      "data-series",
      spec.options.series
        .slice(1)
        .map((line) => line.label)
        .join(","),
    );
    const chart = page.charts.get(key);
    if (chart && chart.series.length === spec.options.series.length)
      chart.setData(spec.data);
    else {
      chart?.destroy();
      page.charts.set(key, new window.uPlot(spec.options, spec.data, box));
    }
  }
}

function header(detail) {
  const { h, chips, weightBar, age } = page.ui;
  return h(
    "div",
    { class: "summary" },
    h(
      "div",
      {},
      "Phase ",
      h("span", { class: `phase ${detail.phase}`, id: "phase" }, detail.phase),
      detail.pausedBy ? ` (paused by ${detail.pausedBy})` : "",
    ),
    h(
      "div",
      {},
      "Weight ",
      weightBar(detail.weight, detail.maxWeight),
      h("span", { id: "weight" }, ` ${detail.weight}%`),
    ),
    h(
      "div",
      {},
      `Failed checks ${detail.failedChecks}/${detail.threshold ?? "-"}`,
    ),
    h("div", { "data-since": detail.phaseSince ?? "" }, age(detail.phaseSince)),
    h("div", {}, chips(detail.lastChecks)),
    ...(detail.gateways ?? []).map((g) =>
      h(
        "div",
        { class: "gateway", "data-router": g.router },
        `Gateway ${g.router}: `,
        g.canaryWeight === undefined
          ? "unknown"
          : weightBar(g.canaryWeight, detail.maxWeight),
        g.canaryWeight === undefined ? "" : ` ${g.canaryWeight}%`,
      ),
    ),
  );
}

/**
 * What the last request sent from this page came to: the operator's answer once status.lastRequest
 * carries its id, "waiting" before. Read from the page's state, never from the element that sent it: the
 * actions are drawn again on every update, and an answer can arrive before the POST's response.
 */
function requestResult(detail) {
  if (!page.pending) return page.sending ? `${page.pendingAction}: sent…` : "";
  const r = detail.lastRequest;
  if (r?.id !== page.pending)
    return `${page.pendingAction}: waiting for the operator…`;
  return `${r.action}: ${r.result}${r.message ? `: ${r.message}` : ""}`;
}

function showRequestResult(text) {
  const el = page.root.querySelector("#request-result");
  if (el) el.textContent = text;
}

function actions(detail) {
  const { h, api } = page.ui;
  if (!detail.canPatch)
    return h(
      "div",
      { id: "actions", class: "muted" },
      "Read-only: you may not change this canary.",
    );
  const result = h(
    "span",
    { id: "request-result", class: "muted" },
    requestResult(detail),
  );
  const ask =
    (action, extra = {}) =>
    async () => {
      page.pending = undefined;
      page.pendingAction = action;
      page.sending = true;
      showRequestResult(`${action}: sent…`);
      const { status, body } = await api(
        `/api/canaries/${detail.namespace}/${detail.name}/requests`,
        {
          method: "POST",
          body: JSON.stringify({ action, ...extra }),
        },
      );
      page.sending = false;
      page.pending = status === 202 ? body.id : undefined;
      // The operator may have answered (and the stream delivered it) before this response arrived.
      showRequestResult(
        status === 202
          ? requestResult(page.detail)
          : `${action}: ${body.error ?? status}`,
      );
    };
  const button = (label, action, extra) =>
    h(
      "button",
      { type: "button", "data-action": action, onclick: ask(action, extra) },
      label,
    );
  return h(
    "div",
    { id: "actions", class: "actions" },
    button("Promote", "promote"),
    button("Abort", "abort", { reason: "aborted from the dashboard" }),
    detail.pausedBy ? button("Resume", "resume") : button("Pause", "pause"),
    button("Retry", "retry"),
    button("Undo", "undo"),
    result,
  );
}

function timeline(detail) {
  const { h } = page.ui;
  return h(
    "ul",
    { class: "timeline", id: "timeline" },
    [...detail.events]
      .reverse()
      .map((e) =>
        h(
          "li",
          { class: e.type },
          h("time", {}, e.at ? new Date(e.at).toLocaleTimeString() : ""),
          h("span", { class: "reason" }, e.reason),
          e.message,
        ),
      ),
  );
}

function runPicker(detail) {
  const { h } = page.ui;
  const runs = detail.history.runs;
  if (runs.length < 2) return h("span");
  return h(
    "select",
    {
      id: "run",
      onchange: (e) => {
        page.run = Number(e.target.value);
        updateCanaryPage(page.detail);
      },
    },
    runs.map((r, i) =>
      h(
        "option",
        { value: i, selected: i === page.run },
        `${i === runs.length - 1 ? "current run" : "previous run"} (from ${new Date(r.startedAt).toLocaleString()})`,
      ),
    ),
  );
}

export function renderCanaryPage(root, detail, ui) {
  for (const chart of page?.charts?.values() ?? []) chart.destroy();
  page = { root, ui, detail, run: undefined, charts: new Map(), chartKeys: "" };
  const { h } = ui;
  root.replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← All canaries")),
    h("h2", {}, `${detail.namespace}/${detail.name}`),
    h("div", { id: "header" }),
    h("div", { id: "actions" }),
    h("p", { id: "message", class: "muted" }),
    h("h3", {}, "Analysis ", h("span", { id: "run-picker" })),
    h("div", { class: "charts", id: "charts" }),
    h("h3", {}, "Events"),
    h("div", { id: "events" }),
  );
  updateCanaryPage(detail);
}

export function updateCanaryPage(detail) {
  if (!page) return;
  const runs = detail.history.runs;
  // Follow the newest run unless the viewer picked an older one.
  if (
    page.run === undefined ||
    page.run >= runs.length ||
    page.detail.history.runs.length !== runs.length
  )
    page.run = runs.length - 1;
  page.detail = detail;
  const root = page.root;
  root
    .querySelector("#header")
    .replaceWith(Object.assign(header(detail), { id: "header" }));
  root.querySelector("#actions").replaceWith(actions(detail));
  root.querySelector("#message").textContent = detail.message ?? "";
  root.querySelector("#run-picker").replaceChildren(runPicker(detail));
  root.querySelector("#events").replaceChildren(timeline(detail));
  const run = runs[page.run];
  if (run) drawCharts(run);
  else
    root
      .querySelector("#charts")
      .replaceChildren(
        page.ui.h("p", { class: "muted" }, "No analysis step yet."),
      );
}
