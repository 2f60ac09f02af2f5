import assert from "node:assert/strict";
import test from "node:test";
import { boxToUserSpace, cornersToRect, fitScale } from "../../../Sources/QuarryUI/src/pdf/geometry";

const letter = [0, 0, 612, 792];

test("a box measured from the top left becomes user space measured from the bottom left", () => {
  const box = { page: 1, x0: 72, y0: 100, x1: 300, y1: 112 };
  assert.deepEqual(boxToUserSpace(box, letter), [72, 680, 300, 692]);
});

test("a crop box that does not start at the origin shifts the box with it", () => {
  const box = { page: 2, x0: 10, y0: 20, x1: 30, y1: 40 };
  assert.deepEqual(boxToUserSpace(box, [50, 60, 550, 760]), [60, 720, 80, 740]);
});

test("pdf.js's unrotated transform at scale s puts the box back at s times its top-left coordinates", () => {
  // pdf.js's viewport for rotation 0: x' = s (x - xMin), y' = s (yMax - y).
  const scale = 1.5;
  const toViewport = ([x1, y1, x2, y2]: number[]) => [scale * x1, scale * (792 - y1), scale * x2, scale * (792 - y2)];
  const box = { page: 1, x0: 72, y0: 100, x1: 300, y1: 112 };
  assert.deepEqual(cornersToRect(toViewport(boxToUserSpace(box, letter))), { left: 108, top: 150, width: 342, height: 18 });
});

test("corners in any order give the same rectangle", () => {
  assert.deepEqual(cornersToRect([30, 40, 10, 20]), { left: 10, top: 20, width: 20, height: 20 });
});

test("the fitting scale is bounded", () => {
  assert.equal(fitScale(612, 918), 1.5);
  assert.equal(fitScale(612, 100), 0.5);
  assert.equal(fitScale(612, 10_000), 3);
  assert.equal(fitScale(0, 500), 1);
});
