// Diagrams fitted to their box, with zoom, pan and a full-screen view (templates/sandbox/partials/diagram_viewer.html).
// CSS fits each drawing to its box; this script only moves a <g> layer inside the SVG (an SVG transform, no style
// attributes), so the box keeps its size and the page does not jump while the learner zooms. Keys work while the
// drawing has focus: + and − zoom, arrows pan, 0 fits, F toggles full screen, Esc leaves it. Everything is
// delegated from the document, so drawings that htmx swaps in later work without being set up again.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var STEP = 1.25;
  var MAX_ZOOM = 8;
  var PAN_PIXELS = 48;
  var states = new WeakMap();

  document.documentElement.classList.add("diagram-js");

  // The zoom state of one viewer, made the first time it is used: the SVG's children move into one layer.
  function stateOf(viewer) {
    var state = states.get(viewer);
    if (state) { return state; }
    var svg = viewer.querySelector(".diagram-view svg");
    if (!svg) { return null; }
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !box.width || !box.height) {
      var bounds = svg.getBBox();
      svg.setAttribute("viewBox", [bounds.x, bounds.y, bounds.width, bounds.height].join(" "));
      box = svg.viewBox.baseVal;
    }
    var layer = document.createElementNS(SVG_NS, "g");
    layer.setAttribute("class", "diagram-layer");
    while (svg.firstChild) { layer.appendChild(svg.firstChild); }
    svg.appendChild(layer);
    state = {
      viewer: viewer, svg: svg, layer: layer, zoom: 1,
      x: box.x, y: box.y, width: box.width, height: box.height,
      cx: box.x + box.width / 2, cy: box.y + box.height / 2
    };
    states.set(viewer, state);
    return state;
  }

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  // Keeps the centre where every part of the drawing can still be reached, then draws the layer there.
  function apply(state) {
    var halfWidth = state.width / (2 * state.zoom);
    var halfHeight = state.height / (2 * state.zoom);
    state.cx = clamp(state.cx, state.x + halfWidth, state.x + state.width - halfWidth);
    state.cy = clamp(state.cy, state.y + halfHeight, state.y + state.height - halfHeight);
    var zoomed = state.zoom > 1.0001;
    if (zoomed) {
      var tx = state.x + state.width / 2 - state.zoom * state.cx;
      var ty = state.y + state.height / 2 - state.zoom * state.cy;
      state.layer.setAttribute("transform", "translate(" + tx + " " + ty + ") scale(" + state.zoom + ")");
    } else {
      state.layer.removeAttribute("transform");
    }
    var viewer = state.viewer;
    viewer.classList.toggle("is-zoomed", zoomed);
    var level = viewer.querySelector(".diagram-zoom-level");
    if (level) {
      level.textContent = zoomed ? Math.round(state.zoom * 100) + "%" : level.getAttribute("data-fitted-label");
    }
    setDisabled(viewer, "zoom-out", !zoomed);
    setDisabled(viewer, "fit", !zoomed);
    setDisabled(viewer, "zoom-in", state.zoom >= MAX_ZOOM);
  }

  // aria-disabled rather than disabled: a button that focus is on must not lose it when a limit is reached.
  function setDisabled(viewer, action, disabled) {
    var button = viewer.querySelector('[data-diagram-action="' + action + '"]');
    if (button) { button.setAttribute("aria-disabled", disabled ? "true" : "false"); }
  }

  // Zooms by `factor`, keeping the drawing's point `at` (default: the centre) where it is on screen.
  function zoomBy(state, factor, at) {
    var next = clamp(state.zoom * factor, 1, MAX_ZOOM);
    if (at) {
      var keep = state.zoom / next;
      state.cx = at.x - keep * (at.x - state.cx);
      state.cy = at.y - keep * (at.y - state.cy);
    }
    state.zoom = next;
    apply(state);
  }

  function fit(state) {
    state.zoom = 1;
    apply(state);
  }

  // Moves the view by a distance given in screen pixels.
  function panBy(state, dx, dy) {
    var matrix = state.layer.getScreenCTM();
    var scale = matrix && matrix.a ? matrix.a : 1;
    state.cx += dx / scale;
    state.cy += dy / scale;
    apply(state);
  }

  // The drawing's coordinates under a screen point (inside the layer, so independent of the current zoom).
  function pointAt(state, clientX, clientY) {
    var matrix = state.layer.getScreenCTM();
    if (!matrix) { return null; }
    var point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return { x: point.x, y: point.y };
  }

  // Full screen: the class lays the viewer over the whole window (so it works where the Fullscreen API is
  // missing or refused); where the API is there the viewer also takes the whole screen.
  function enterFullScreen(viewer) {
    viewer.classList.add("is-full");
    document.body.classList.add("has-full-diagram");
    relabel(viewer, true);
    if (viewer.requestFullscreen) {
      viewer.requestFullscreen().catch(function () { /* the overlay alone still shows it full window */ });
    }
    var view = viewer.querySelector(".diagram-view");
    if (view) { view.focus(); }
  }

  // The page scrolls again once no drawing is full screen (also when htmx replaced one that was).
  function releasePage() {
    if (!document.querySelector("[data-diagram-viewer].is-full")) {
      document.body.classList.remove("has-full-diagram");
    }
  }

  function leaveFullScreen(viewer) {
    if (!viewer.classList.contains("is-full")) { return; }
    viewer.classList.remove("is-full");
    viewer.removeAttribute("data-was-fullscreen");
    releasePage();
    relabel(viewer, false);
    if (document.fullscreenElement === viewer && document.exitFullscreen) {
      document.exitFullscreen().catch(function () { /* already left */ });
    }
    var button = viewer.querySelector('[data-diagram-action="full-screen"]');
    if (button) { button.focus(); }
  }

  function relabel(viewer, full) {
    var button = viewer.querySelector('[data-diagram-action="full-screen"]');
    if (button) {
      button.textContent = button.getAttribute(full ? "data-leave-label" : "data-enter-label");
    }
  }

  function toggleFullScreen(viewer) {
    if (viewer.classList.contains("is-full")) { leaveFullScreen(viewer); } else { enterFullScreen(viewer); }
  }

  function viewerOf(element) {
    return element && element.closest ? element.closest("[data-diagram-viewer]") : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-diagram-action]") : null;
    var viewer = viewerOf(button);
    if (!viewer || button.getAttribute("aria-disabled") === "true") { return; }
    var action = button.getAttribute("data-diagram-action");
    if (action === "full-screen") { toggleFullScreen(viewer); return; }
    var state = stateOf(viewer);
    if (!state) { return; }
    if (action === "zoom-in") { zoomBy(state, STEP); }
    else if (action === "zoom-out") { zoomBy(state, 1 / STEP); }
    else if (action === "fit") { fit(state); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("[data-diagram-viewer].is-full");
      if (open) { event.preventDefault(); leaveFullScreen(open); }
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var view = event.target.closest ? event.target.closest(".diagram-view") : null;
    var viewer = viewerOf(view);
    if (!viewer) { return; }
    var state = stateOf(viewer);
    if (!state) { return; }
    var key = event.key;
    var handled = true;
    if (key === "+" || key === "=") { zoomBy(state, STEP); }
    else if (key === "-" || key === "_" || key === "−") { zoomBy(state, 1 / STEP); }
    else if (key === "0") { fit(state); }
    else if (key === "f" || key === "F") { toggleFullScreen(viewer); }
    else if (state.zoom > 1 && key === "ArrowLeft") { panBy(state, -PAN_PIXELS, 0); }
    else if (state.zoom > 1 && key === "ArrowRight") { panBy(state, PAN_PIXELS, 0); }
    else if (state.zoom > 1 && key === "ArrowUp") { panBy(state, 0, -PAN_PIXELS); }
    else if (state.zoom > 1 && key === "ArrowDown") { panBy(state, 0, PAN_PIXELS); }
    else { handled = false; }  // at the fitted size the arrows scroll the page as usual
    if (handled) { event.preventDefault(); }
  });

  // Dragging pans a zoomed drawing (mouse, pen or one finger); at the fitted size the page scrolls as usual.
  var drag = null;
  document.addEventListener("pointerdown", function (event) {
    var view = event.target.closest ? event.target.closest(".diagram-view") : null;
    var viewer = viewerOf(view);
    if (!viewer || event.button !== 0) { return; }
    var state = stateOf(viewer);
    if (!state || state.zoom <= 1) { return; }
    drag = { state: state, view: view, x: event.clientX, y: event.clientY, id: event.pointerId };
    view.setPointerCapture(event.pointerId);
    viewer.classList.add("is-dragging");
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.id) { return; }
    panBy(drag.state, drag.x - event.clientX, drag.y - event.clientY);
    drag.x = event.clientX;
    drag.y = event.clientY;
  });
  function endDrag(event) {
    if (!drag || event.pointerId !== drag.id) { return; }
    drag.state.viewer.classList.remove("is-dragging");
    drag = null;
  }
  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);

  // The wheel zooms only in full screen (or with Ctrl), so scrolling the page over a drawing still scrolls it.
  document.addEventListener("wheel", function (event) {
    var view = event.target.closest ? event.target.closest(".diagram-view") : null;
    var viewer = viewerOf(view);
    if (!viewer || !(viewer.classList.contains("is-full") || event.ctrlKey)) { return; }
    var state = stateOf(viewer);
    if (!state) { return; }
    event.preventDefault();
    zoomBy(state, event.deltaY < 0 ? STEP : 1 / STEP, pointAt(state, event.clientX, event.clientY));
  }, { passive: false });

  // Esc in a real browser leaves the Fullscreen API's full screen without a keydown reaching the page.
  document.addEventListener("fullscreenchange", function () {
    releasePage();
    document.querySelectorAll("[data-diagram-viewer].is-full").forEach(function (viewer) {
      if (document.fullscreenElement !== viewer && viewer.hasAttribute("data-was-fullscreen")) {
        viewer.removeAttribute("data-was-fullscreen");
        leaveFullScreen(viewer);
      } else if (document.fullscreenElement === viewer) {
        viewer.setAttribute("data-was-fullscreen", "");
      }
    });
  });
  document.addEventListener("htmx:afterSettle", releasePage);
})();
