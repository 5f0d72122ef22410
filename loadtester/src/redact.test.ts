import { describe, expect, it } from "vitest";
import { redactCommand } from "./redact.ts";

describe("redactCommand", () => {
  const secret = "s3cr3t-value";
  const cases = [
    `hey -z 1m -H "Authorization: Bearer ${secret}" http://podinfo/`,
    `hey -H 'X-Api-Key: ${secret}' -H "X-Canary: yes" http://podinfo/`,
    `curl -sH "Authorization: ${secret}" http://podinfo/`,
    `curl -H"Cookie: id=${secret}" http://podinfo/`,
    `curl --header="X-Token: ${secret}" http://podinfo/`,
    `curl --HEADER "X-Token: ${secret}" http://podinfo/`,
    `curl -u admin:${secret} http://podinfo/`,
    `curl --user=admin:${secret} http://podinfo/`,
    `hey -a admin:${secret} http://podinfo/`,
    `curl --oauth2-bearer ${secret} http://podinfo/`,
    `curl -b session=${secret} http://podinfo/`,
    `curl http://admin:${secret}@podinfo/token | grep token`,
    `hey https://${secret}@podinfo/`,
  ];

  it.each(cases)("keeps no secret: %s", (command) => {
    const logged = redactCommand(command);
    expect(logged).not.toContain(secret);
    expect(logged).toContain("[redacted]");
    expect(logged).toMatch(/podinfo/);
  });

  it("keeps what says what ran: header names, flags, other words, pipes", () => {
    expect(
      redactCommand(
        `curl -sd 'test' -H "X-Token: ${secret}" http://podinfo:9898/token | grep token`,
      ),
    ).toBe(
      "curl -sd test -H 'X-Token: [redacted]' http://podinfo:9898/token | grep token",
    );
    expect(redactCommand("hey -z 1m -q 10 -c 2 -cpus 2 http://podinfo/")).toBe(
      "hey -z 1m -q 10 -c 2 -cpus 2 http://podinfo/",
    );
    expect(redactCommand("hey -H=X-Token:abc http://podinfo/")).toBe(
      "hey '-H=X-Token: [redacted]' http://podinfo/",
    );
  });
});
