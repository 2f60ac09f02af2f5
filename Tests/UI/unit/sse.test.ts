import assert from "node:assert/strict";
import test from "node:test";
import { EventStreamParser } from "../../../Sources/QuarryUI/src/api/sse";

test("events split across pieces at any byte come out whole", () => {
  const stream = 'event: retrieved\ndata: {"citations": []}\n\nevent: answer\ndata: {"text": "High"}\n\nevent: done\ndata: {}\n\n';
  for (let cut = 1; cut < stream.length; cut++) {
    const parser = new EventStreamParser();
    const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
    assert.deepEqual(
      events.map((event) => event.event),
      ["retrieved", "answer", "done"],
      `cut at ${cut}`,
    );
    assert.equal(events[1].data, '{"text": "High"}');
  }
});

test("data lines join with newlines, comments and unknown fields are ignored, CRLF and CR end lines", () => {
  const parser = new EventStreamParser();
  const events = parser.push(": keep-alive\r\nid: 7\r\ndata: one\r\ndata:two\r\rdata: three\r\n\r\n");
  assert.deepEqual(events, [
    { event: "message", data: "one\ntwo" },
    { event: "message", data: "three" },
  ]);
});

test("a CR at the end of a piece waits for a possible LF, so CRLF is not read as two line ends", () => {
  const parser = new EventStreamParser();
  assert.deepEqual(parser.push("data: a\r"), []);
  assert.deepEqual(parser.push("\n\r\n"), [{ event: "message", data: "a" }]);
});

test("an event without data is dropped and its name does not leak into the next", () => {
  const parser = new EventStreamParser();
  assert.deepEqual(parser.push("event: ping\n\ndata: x\n\n"), [{ event: "message", data: "x" }]);
});

test("an event cut off without its blank line is not delivered", () => {
  const parser = new EventStreamParser();
  assert.deepEqual(parser.push("event: done\ndata: {}"), []);
});
