// BrowserViewer's front end (an anywidget ES module): window/level as arithmetic in the
// browser. The kernel sends the display-size modality values once (float32, binary);
// every move redraws the canvas here, and tells the kernel the window a few times a
// second at most. See browser_viewer.py for the why.

const SYNC_MS = 150; // at most one center/width update to the kernel per SYNC_MS
const DRAG_DOUBLING = 200; // pixels of drag to the right that double the window's width

function number(value) {
  // A window value for people: at most one decimal, no trailing zeros, a real minus.
  let text = value.toFixed(1).replace(/\.0$/, "");
  if (text === "-0") text = "0";
  return text.replace("-", "\u2212");
}

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function slider(parent, label) {
  // A labelled range input with a readout; step "any" so values are never snapped.
  const row = element("label", "dv-row", parent);
  element("span", "dv-label", row).textContent = label;
  const input = element("input", "dv-range", row);
  input.type = "range";
  input.step = "any";
  const readout = element("span", "dv-readout", row);
  return { row, input, readout };
}

// Window values into grey levels, the standard's formulas (PS3.3 C.11.2.1.2-3), as
// dicomview.pipeline.apply_window computes them in the kernel.
function greyFunction(fn, center, width) {
  if (fn === "SIGMOID") return (x) => 255 / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === "LINEAR" && width <= 1) return (x) => (x > center - 0.5 ? 255 : 0);
  const low = fn === "LINEAR" ? center - 0.5 - (width - 1) / 2 : center - width / 2;
  const scale = 255 / (fn === "LINEAR" ? width - 1 : width);
  return (x) => (x - low) * scale;
}

function render({ model, el }) {
  const root = element("div", "dv-viewer", el);
  const frame = element("div", "dv-frame", root); // the picture with its edge labels over it
  const canvas = element("canvas", "dv-picture", frame);
  canvas.tabIndex = 0;
  canvas.title = "drag: right widens the window, up raises its center; arrow keys too; " +
    "wheel or Page Up/Down: slices";
  const edgeLabels = {};
  for (const edge of ["top", "bottom", "left", "right"]) {
    edgeLabels[edge] = element("span", `dv-edge dv-edge-${edge}`, frame);
  }
  const controls = element("div", "dv-controls", root);
  const [slices, rows, columns] = model.get("shape");
  const sliceControl = slices > 1 ? slider(controls, model.get("slice_name")) : null;
  const choice = element("select", "dv-choice", controls);
  const reset = element("button", "dv-reset", controls);
  reset.textContent = "reset";
  reset.title = "back to the file's first window";
  const centerControl = slider(controls, "center");
  const widthControl = slider(controls, "width");
  const status = element("div", "dv-status", root);

  canvas.width = columns;
  canvas.height = rows;
  const context = canvas.getContext("2d");
  const picture = context.createImageData(columns, rows);
  const pixels32 = new Uint32Array(picture.data.buffer); // one RGBA pixel per element

  let values = null; // Float32Array: every slice, or the slice on screen
  let center = model.get("center");
  let width = model.get("width");
  let slice = model.get("slice_index");
  let syncTimer = null;

  function loadValues() {
    const view = model.get("values"); // a DataView on the binary buffer
    const buffer = view.byteOffset % 4 === 0 ? view.buffer : view.buffer.slice(view.byteOffset);
    const offset = view.byteOffset % 4 === 0 ? view.byteOffset : 0;
    values = new Float32Array(buffer, offset, view.byteLength / 4);
  }

  function fitCanvas() {
    const shown = model.get("shown");
    const aspect = model.get("aspect");
    const scale = Math.min(shown.width / columns, shown.height / (rows * aspect));
    canvas.style.width = `${Math.floor(columns * scale)}px`;
    canvas.style.height = `${Math.floor(rows * aspect * scale)}px`;
  }

  function configureSliders() {
    const limits = model.get("limits");
    centerControl.input.min = Math.min(limits.center_low, center);
    centerControl.input.max = Math.max(limits.center_high, center);
    widthControl.input.min = 1;
    widthControl.input.max = Math.max(limits.width_high, width);
    if (sliceControl) {
      sliceControl.input.min = 0;
      sliceControl.input.max = slices - 1;
      sliceControl.input.step = 1;
    }
    choice.replaceChildren();
    const blank = element("option", "", choice);
    blank.value = "";
    blank.textContent = "(window of your own)";
    blank.hidden = true;
    model.get("windows").forEach((w, index) => {
      const option = element("option", "", choice);
      option.value = String(index);
      option.textContent = w.label;
    });
  }

  function showEdges() {
    // The patient direction each edge faces (PS3.3 C.7.6.1.1.1): one set per slice, or one for all.
    const all = model.get("edges");
    const edges = all[all.length > 1 ? slice : 0] || {};
    for (const edge in edgeLabels) edgeLabels[edge].textContent = edges[edge] || "";
  }

  function draw() {
    // Drawn at once, painted at the browser's next frame; pointer moves and held keys
    // come at most once a frame anyway.
    if (!values) return;
    const started = performance.now();
    const grey = greyFunction(model.get("function"), center, width);
    const invert = model.get("invert");
    const count = rows * columns;
    const start = model.get("resident") ? slice * count : 0;
    for (let i = 0; i < count; i++) {
      let g = grey(values[start + i]);
      g = g <= 0 ? 0 : g >= 255 ? 255 : (g + 0.5) | 0; // rounded, as the kernel does
      if (invert) g = 255 - g;
      pixels32[i] = 0xff000000 | (g << 16) | (g << 8) | g;
    }
    context.putImageData(picture, 0, 0);
    showEdges();
    showControls();
    // For whoever measures (the browser test): how long this picture took to draw.
    root.dispatchEvent(new CustomEvent("dicomview-drawn", { detail: { ms: performance.now() - started } }));
  }

  function showControls() {
    const unit = model.get("unit") ? ` ${model.get("unit")}` : "";
    centerControl.input.value = center;
    widthControl.input.value = width;
    centerControl.readout.textContent = number(center);
    widthControl.readout.textContent = number(width);
    const shades = model.get("invert") ? "white\u2026black (MONOCHROME1)" : "black\u2026white";
    let text = `C ${number(center)} W ${number(width)} \u2192 ` +
      `${number(center - width / 2)}\u2026${number(center + width / 2)}${unit} shown ${shades}`;
    if (sliceControl) {
      sliceControl.input.value = slice;
      sliceControl.readout.textContent = String(slice + 1);
      text = `${model.get("slice_name")} ${slice + 1} of ${slices} \u00b7 ${text}`;
    }
    status.textContent = text;
    // The chosen entry while it still shows; else the first that matches; else "your own".
    const same = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
    const shows = (w) => w && same(w.center, center) && same(w.width, width);
    const windows = model.get("windows");
    if (choice.value !== "" && shows(windows[+choice.value])) return;
    const index = windows.findIndex(shows);
    choice.value = index < 0 ? "" : String(index);
  }

  function sendWindow() {
    // Tell the kernel the window on screen: now, and then at most every SYNC_MS.
    if (syncTimer !== null) return;
    model.set({ center, width });
    model.save_changes();
    syncTimer = setTimeout(() => {
      syncTimer = null;
      if (model.get("center") !== center || model.get("width") !== width) sendWindow();
    }, SYNC_MS);
  }

  function setWindow(newCenter, newWidth) {
    center = newCenter;
    width = Math.max(1, newWidth);
    if (center < +centerControl.input.min || center > +centerControl.input.max ||
        width > +widthControl.input.max) configureSliders();
    draw();
    sendWindow();
  }

  function setSlice(index) {
    index = Math.min(slices - 1, Math.max(0, index));
    if (index === slice) return;
    slice = index;
    model.set("slice_index", slice);
    model.save_changes();
    if (model.get("resident")) draw(); // else the kernel sends the slice's values
  }

  // Controls
  centerControl.input.addEventListener("input", () => setWindow(+centerControl.input.value, width));
  widthControl.input.addEventListener("input", () => setWindow(center, +widthControl.input.value));
  if (sliceControl) sliceControl.input.addEventListener("input", () => setSlice(+sliceControl.input.value));
  choice.addEventListener("change", () => {
    const w = model.get("windows")[+choice.value];
    if (w) setWindow(w.center, w.width);
  });
  reset.addEventListener("click", () => {
    const first = model.get("windows")[0];
    setWindow(first.center, first.width);
  });

  // Keys: one step per press (ten with Page Up/Down), on a slider or on the picture
  // (left/right: width, up/down: center, Page Up/Down: slices). Page Up, like the wheel
  // turned up and the slice slider's right arrow, goes to the next slice (index + 1).
  function onKey(event, target) {
    const step = model.get("limits").step * (event.shiftKey ? 10 : 1);
    const sign = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 }[event.key];
    if (sign === undefined) return;
    event.preventDefault();
    event.stopPropagation(); // JupyterLab must not take the key (e.g. to move between cells)
    if (target === "slice") setSlice(slice + Math.sign(sign));
    else if (target === "center") setWindow(center + sign * step, width);
    else if (target === "width") setWindow(center, width + sign * step);
    else if (event.key.startsWith("Page")) setSlice(slice + Math.sign(sign));
    else if (event.key === "ArrowUp" || event.key === "ArrowDown") setWindow(center + sign * step, width);
    else setWindow(center, width + sign * step);
  }
  centerControl.input.addEventListener("keydown", (e) => onKey(e, "center"));
  widthControl.input.addEventListener("keydown", (e) => onKey(e, "width"));
  if (sliceControl) sliceControl.input.addEventListener("keydown", (e) => onKey(e, "slice"));
  canvas.addEventListener("keydown", (e) => onKey(e, "picture"));

  // Dragging on the picture: right widens, up raises the center, in steps a hand controls
  // on any image: the width doubles every DRAG_DOUBLING pixels to the right (halves to
  // the left), and the center moves the window's width in as many pixels.
  let dragFrom = null;
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    canvas.focus();
    dragFrom = { x: event.clientX, y: event.clientY, center, width };
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!dragFrom) return;
    const perPixel = dragFrom.width / DRAG_DOUBLING;
    setWindow(dragFrom.center - (event.clientY - dragFrom.y) * perPixel,
              dragFrom.width * 2 ** ((event.clientX - dragFrom.x) / DRAG_DOUBLING));
  });
  const endDrag = () => { dragFrom = null; };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("wheel", (event) => {
    if (slices < 2) return;
    event.preventDefault();
    setSlice(slice - Math.sign(event.deltaY)); // turned up (deltaY < 0): the next slice
  }, { passive: false });

  // The kernel: set_window, show_slice, and new values (a slice sent on demand).
  const onKernelWindow = () => {
    if (model.get("center") === center && model.get("width") === width) return;
    center = model.get("center");
    width = model.get("width");
    configureSliders();
    draw();
  };
  model.on("change:center", onKernelWindow);
  model.on("change:width", onKernelWindow);
  model.on("change:slice_index", () => {
    slice = model.get("slice_index");
    showEdges();
    if (model.get("resident")) draw();
  });
  model.on("change:values", () => { loadValues(); draw(); });

  loadValues();
  fitCanvas();
  configureSliders();
  draw();
  return () => { if (syncTimer !== null) clearTimeout(syncTimer); };
}

export default { render };
