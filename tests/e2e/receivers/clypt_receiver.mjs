// A Clypt webhook receiver written from the Clypt API reference (003_9006dbdc4e7f54ae.txt).
//
// It verifies every delivery with the document's own Node.js snippet, copied verbatim between
// the markers below (tests/e2e/test_webhook_receivers.py checks that it still is), and rejects
// deliveries whose t is older than 5 minutes, as the document tells receivers to.
//
//   node clypt_receiver.mjs        prints {"port": N}, then one JSON line per request:
//                                  {"ok": bool, "reason": str, "headers": {...}, "body": str}
//   POST /__secret (body: whsec_...) sets the secret to verify with; 204.
//   POST anything else: a delivery; 200 when verified, 400 otherwise.
import http from "node:http";

// ---- verbatim from 003_9006dbdc4e7f54ae.txt ----
import { createHmac, timingSafeEqual } from "crypto";
export function verifyClyptSignature(rawBody, header, secret) {
const parts = Object.fromEntries(
header.split(",").map((p) => p.split("=", 2))
);
const expected = createHmac("sha256", secret)
.update(`${parts.t}.${rawBody}`)
.digest("hex");
return timingSafeEqual(
Buffer.from(expected, "hex"),
Buffer.from(parts.v1, "hex")
);
}
// ---- end of the verbatim snippet ----

const REPLAY_WINDOW_SECONDS = 5 * 60;
let secret = null;

function verdict(rawBody, header) {
  if (secret === null) return [false, "no secret set"];
  if (!header) return [false, "no X-Clypt-Signature header"];
  let ok = false;
  try {
    ok = verifyClyptSignature(rawBody, header, secret);
  } catch (error) {
    // timingSafeEqual throws when the lengths differ: a malformed or tampered v1.
    return [false, `verification threw: ${error.message}`];
  }
  if (!ok) return [false, "signature mismatch"];
  const t = Number(Object.fromEntries(header.split(",").map((p) => p.split("=", 2))).t);
  if (!(Date.now() / 1000 - t <= REPLAY_WINDOW_SECONDS)) return [false, "t older than 5 minutes"];
  return [true, "verified"];
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const rawBody = Buffer.concat(chunks).toString("utf8");
    if (req.url === "/__secret") {
      secret = rawBody;
      res.writeHead(204).end();
      return;
    }
    const [ok, reason] = verdict(rawBody, req.headers["x-clypt-signature"]);
    process.stdout.write(JSON.stringify({ ok, reason, headers: req.headers, body: rawBody }) + "\n");
    res.writeHead(ok ? 200 : 400, { "content-type": "text/plain" }).end(reason);
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
