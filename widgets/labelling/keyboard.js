// Keyboard for the annotation panel (the front end of widgets/keyboard.py).
//
// The bar this view draws is also how it finds its panel: the closest ancestor with the
// class in `container_class` becomes the keyboard region, so keys work whenever focus is
// anywhere in the panel (after clicking a toggle, the toggle has focus). If there is no
// such ancestor, the bar itself is the region.
//
// JupyterLab and Notebook 7 run their command-mode shortcuts (a, b, m, y, x, d d,
// Shift+Enter) from a keydown listener on `document`: JupyterLab in the bubbling phase,
// Notebook 7 in the capture phase, so a listener on the panel would see the key too late
// there. The one listener that always runs first is a capture listener on `window`; it
// stops every plain key whose target is in the region (not in a text box) from going
// further. `data-lm-suppress-shortcuts` on the region is not enough on its own: Lumino
// checks it while walking up from the target, but the bindings' selectors end in
// `:focus`, which matches a focused button before the walk reaches the region. It still
// covers the case where the region itself has focus, for any listener we do not stop.
//
// Keys held with Ctrl, Alt or Meta go on to JupyterLab (Ctrl+S still saves the notebook
// rather than opening the browser's "save page" dialog), except with Enter, which would
// run the cell.
const SUPPRESS = "data-lm-suppress-shortcuts";
const OWNER = "__rhetoricLabKeyboard";
const LABEL = "Annotation panel keyboard area: press keys to label; Tab leaves";

function isEditable(node) {
  if (!(node instanceof Element)) return false;
  if (node.isContentEditable) return true;
  return node.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])") !== null;
}

function hasCombo(event) {
  return event.ctrlKey || event.altKey || event.metaKey;
}

function normalise(key) {
  return key.length === 1 ? key.toLowerCase() : key;
}

function isShown(node) {
  if (!(node instanceof HTMLElement) || !node.isConnected) return false;
  if (node.disabled) return false;
  return node.getClientRects().length > 0;
}

function render({ model, el }) {
  const bar = document.createElement("div");
  bar.className = "rhetoric-lab-keyboard";
  const state = document.createElement("span");
  state.className = "rhetoric-lab-keyboard-state";
  const status = document.createElement("span");
  status.className = "rhetoric-lab-keyboard-status";
  status.setAttribute("aria-live", "polite");
  bar.append(state, status);
  el.appendChild(bar);

  let region = null;
  let handled = new Set();
  const listeners = [];

  function listen(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    listeners.push(() => target.removeEventListener(type, handler, options));
  }

  function readKeys() {
    handled = new Set((model.get("watched_keys") || []).map(normalise));
  }

  function showStatus() {
    status.textContent = model.get("status") || "";
  }

  function showState() {
    if (region === null) {
      state.textContent = "⌨ starting…";
      return;
    }
    const active = document.activeElement;
    const inside = active !== null && region.contains(active);
    region.classList.toggle("rhetoric-lab-keys-active", inside && !isEditable(active));
    if (!inside) {
      state.textContent = "⌨ click here to use keys";
    } else if (isEditable(active)) {
      state.textContent = "⌨ keys paused while you type in a box (click outside it to use keys)";
    } else {
      state.textContent = "⌨ keys active (Tab leaves)";
    }
  }

  function inRegion(node) {
    return region !== null && node instanceof Node && region.contains(node);
  }

  // On window, capture phase: before any listener of JupyterLab or Notebook 7.
  function onWindowKeydown(event) {
    if (!inRegion(event.target) || event.isComposing) return;
    if (event.key === "Tab" || isEditable(event.target)) return;
    if (hasCombo(event) && event.key !== "Enter") {
      region.removeAttribute(SUPPRESS);
      setTimeout(() => region !== null && region.setAttribute(SUPPRESS, "true"), 0);
      return;
    }
    // Not preventDefault for every key: Space and Enter must still press a focused button.
    event.stopPropagation();
    if (!hasCombo(event) && handled.has(normalise(event.key))) {
      event.preventDefault();
      model.send({ type: "key", key: event.key, shift: event.shiftKey });
    }
  }

  // A focused control that disappears (the technique toggles on the summary step, the
  // "Next" button on the last sentence) drops focus to the page: keep it in the region.
  function onFocusout(event) {
    const lost = event.target;
    const toNowhere = event.relatedTarget === null;
    setTimeout(() => {
      const active = document.activeElement;
      const dropped = active === null || active === document.body;
      if (region !== null && toNowhere && dropped && lost !== region && !isShown(lost)) {
        region.focus({ preventScroll: true });
      }
      showState();
    }, 0);
  }

  function attach(target, kind) {
    if (target[OWNER] !== undefined) {
      // Another view of this widget already listens on this panel: a second listener
      // would send every key twice.
      target = bar;
      kind = "bar";
    }
    region = target;
    region[OWNER] = bar;
    region.setAttribute(SUPPRESS, "true");
    if (!region.hasAttribute("tabindex")) region.tabIndex = 0;
    region.setAttribute("role", "group");
    region.setAttribute("aria-label", LABEL);
    region.classList.add("rhetoric-lab-keys");
    listen(region, "focusin", showState);
    listen(region, "focusout", onFocusout);
    listen(window, "keydown", onWindowKeydown, true);
    bar.dataset.mode = kind;
    if (model.get("mode") !== kind) {
      model.set("mode", kind);
      model.save_changes();
    }
    showState();
  }

  // The view is rendered before ipywidgets puts it into its box; wait until it is in the
  // page to look for the panel around it.
  let tries = 0;
  let timer = null;
  function findRegion() {
    timer = null;
    if (el.isConnected) {
      const selector = "." + CSS.escape(model.get("container_class") || "rhetoric-lab-panel");
      const container = el.parentElement && el.parentElement.closest(selector);
      attach(container || bar, container ? "panel" : "bar");
      return;
    }
    tries += 1;
    if (tries > 200) {
      attach(bar, "bar");
      return;
    }
    timer = setTimeout(findRegion, 25);
  }

  const onKeys = () => readKeys();
  const onStatus = () => showStatus();
  model.on("change:watched_keys", onKeys);
  model.on("change:status", onStatus);
  readKeys();
  showStatus();
  showState();
  findRegion();

  return () => {
    if (timer !== null) clearTimeout(timer);
    model.off("change:watched_keys", onKeys);
    model.off("change:status", onStatus);
    for (const remove of listeners) remove();
    if (region !== null && region[OWNER] === bar) {
      delete region[OWNER];
      if (region !== bar) {
        region.removeAttribute(SUPPRESS);
        region.classList.remove("rhetoric-lab-keys", "rhetoric-lab-keys-active");
      }
    }
    region = null;
  };
}

export default { render };
