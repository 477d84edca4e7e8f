// CinePlayer's picture (an anywidget ES module): every frame arrives once, as PNG files
// in binary buffers; the picture shows the frame its `frame` names. `frame` is linked in
// the browser to the player's slider, which Play moves: playing needs no kernel.

function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "dv-cine-picture";
  img.style.display = "block";
  img.style.objectFit = "contain";
  el.appendChild(img);
  let urls = [];

  function load() {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls = model.get("frames").map((view) => URL.createObjectURL(new Blob([view], { type: "image/png" })));
    const shown = model.get("shown");
    img.style.maxWidth = `${shown.width}px`;
    img.style.maxHeight = `${shown.height}px`;
    show();
  }

  function show() {
    const url = urls[model.get("frame")];
    if (url && img.src !== url) img.src = url;
  }

  model.on("change:frames", load);
  model.on("change:frame", show);
  load();
  return () => urls.forEach((url) => URL.revokeObjectURL(url));
}

export default { render };
