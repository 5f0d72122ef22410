import { describe, expect, it } from "vitest";
import { withoutUserinfo } from "./urls.ts";

describe("withoutUserinfo", () => {
  it("replaces the user:password of every URL in a text, and nothing else", () => {
    expect(
      withoutUserinfo(
        "Prometheus at https://admin:s3cret@prom.example:9090/x is unreachable; see http://u@h/ and http://plain/",
      ),
    ).toBe(
      "Prometheus at https://***@prom.example:9090/x is unreachable; see http://***@h/ and http://plain/",
    );
    expect(withoutUserinfo("user@example.com wrote")).toBe(
      "user@example.com wrote",
    );
  });
});
