// CinePlayer's front end (an anywidget ES module). Every frame arrives once, as PNG files
// in binary buffers, and is decoded once into an ImageBitmap. Playing is timed by the
// clock, not by a chain of timers: at each animation frame the player draws the frame due
// at that moment, so a loop keeps the file's rate (frames are skipped, never slowed down,
// when the browser falls behind). The kernel hears the frame shown when playing stops or
// the slider is let go.

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "dv-cine";
  const frame = document.createElement("div"); // the picture with its edge labels over it
  frame.className = "dv-frame";
  const canvas = document.createElement("canvas");
  canvas.className = "dv-cine-picture";
  canvas.tabIndex = 0;
  canvas.title = "space: play or pause";
  const controls = document.createElement("div");
  controls.className = "dv-cine-controls";
  const button = document.createElement("button");
  button.className = "dv-cine-play jupyter-button";
  const slider = document.createElement("input");
  slider.className = "dv-cine-frame";
  slider.type = "range";
  slider.min = 0;
  slider.step = 1;
  slider.setAttribute("aria-label", "frame");
  const readout = document.createElement("span");
  readout.className = "dv-cine-readout";
  const caption = document.createElement("div");
  caption.className = "dv-cine-caption";
  controls.append(button, slider, readout);
  frame.appendChild(canvas);
  const edges = model.get("edges"); // the patient direction each edge faces, if known
  for (const edge of ["top", "bottom", "left", "right"]) {
    const label = document.createElement("span");
    label.className = `dv-edge dv-edge-${edge}`;
    label.textContent = edges[edge] || "";
    frame.appendChild(label);
  }
  root.append(frame, controls, caption);
  el.appendChild(root);
  const context = canvas.getContext("2d");

  let bitmaps = [];
  let shown = -1;
  let clock = null; // while playing: {start: ms, from: frame}
  let request = null;

  function draw(index) {
    if (!bitmaps[index]) return;
    context.drawImage(bitmaps[index], 0, 0);
    shown = index;
    slider.value = index;
    readout.textContent = `${index + 1} / ${bitmaps.length}`;
    root.dispatchEvent(new CustomEvent("dicomview-drawn", { detail: index }));
  }

  function tick(now) {
    const due = (clock.from + Math.floor(((now - clock.start) * model.get("fps")) / 1000)) % bitmaps.length;
    if (due !== shown) draw(due);
    request = requestAnimationFrame(tick);
  }

  function showPlaying() {
    button.textContent = clock ? "\u23f8 pause" : "\u25b6 play";
  }

  function play() {
    if (clock || bitmaps.length < 2) return;
    clock = { start: performance.now(), from: shown };
    request = requestAnimationFrame(tick);
    showPlaying();
  }

  function pause() {
    if (!clock) return;
    cancelAnimationFrame(request);
    clock = null;
    showPlaying();
    tellKernel();
  }

  function tellKernel() {
    model.set({ frame: shown, playing: clock !== null });
    model.save_changes();
  }

  async function load() {
    const frames = model.get("frames");
    bitmaps = await Promise.all(frames.map((view) => createImageBitmap(new Blob([view], { type: "image/png" }))));
    canvas.width = bitmaps[0].width;
    canvas.height = bitmaps[0].height;
    const room = model.get("shown");
    const scale = Math.min(room.width / canvas.width, room.height / canvas.height);
    canvas.style.width = `${Math.floor(canvas.width * scale)}px`;
    canvas.style.height = `${Math.floor(canvas.height * scale)}px`;
    slider.max = bitmaps.length - 1;
    draw(model.get("frame"));
    if (model.get("playing")) play();
  }

  button.addEventListener("click", () => (clock ? pause() : play()));
  canvas.addEventListener("keydown", (event) => {
    if (event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    clock ? pause() : play();
  });
  slider.addEventListener("input", () => { pause(); draw(+slider.value); });
  slider.addEventListener("change", tellKernel);
  slider.addEventListener("keydown", (event) => event.stopPropagation()); // not JupyterLab's

  model.on("change:frame", () => { if (!clock && model.get("frame") !== shown) draw(model.get("frame")); });
  model.on("change:playing", () => (model.get("playing") ? play() : pause()));
  model.on("change:frames", load);
  caption.textContent = model.get("caption");
  showPlaying();
  load();
  return () => { if (request !== null) cancelAnimationFrame(request); bitmaps.forEach((b) => b.close()); };
}

export default { render };
