// The annotation panel's front end (widgets/panel_view.py): one anywidget view that shows
// the Python model's state and sends the learner's intents back. It holds no labelling
// logic: every click and key becomes a message, and the panel redraws from `state`.
//
// Text is only ever set with textContent, so article text and notes are never HTML.
//
// Keyboard. JupyterLab and Notebook 7 run their command-mode shortcuts (a, b, m, d d,
// Shift+Enter …) from keydown listeners on `document` (Notebook 7 in the capture phase),
// so the one listener that always runs first is a capture listener on `window`. For a key
// whose target is inside this panel it stops the key from going further; keys the panel
// uses (the codebook's keymap, technique and stance keys) are sent to Python. Tab, keys
// typed in the note or the jump list, Escape and Ctrl/Alt/Meta combinations (but not
// with Enter, which would run the cell) keep their usual meaning, so there is no trap.
// Inside a radio group the arrow keys belong to the group (move the choice); elsewhere
// ← and → are the keymap's previous/next sentence.

const SUPPRESS = "data-lm-suppress-shortcuts";
const ARROWS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);
let counter = 0;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

// Set an attribute only when it changes: a redraw after each label then touches only
// what changed (fewer style recalculations, and no noise for mutation observers).
function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function kbd(key) {
  // The key is shown, but not part of the control's name (aria-keyshortcuts says it).
  return h("kbd", { "aria-hidden": "true", text: key });
}

function isTextEntry(node) {
  if (!(node instanceof Element)) return false;
  if (node.isContentEditable) return true;
  if (node.closest("textarea, select, [contenteditable]:not([contenteditable='false'])")) {
    return true;
  }
  const input = node.closest("input");
  return input !== null && !["radio", "checkbox", "button"].includes(input.type);
}

// One Tab stop per radio group, whatever is focused: the checked radio (else the first)
// is in the Tab order, the others are reached with the arrow keys. Without this, Chrome
// tabs through every radio of a group that has none checked once focus is inside it.
function rove(inputs) {
  const all = Object.values(inputs);
  const stop = all.find((input) => input.checked) || all[0];
  for (const input of all) {
    const index = input === stop ? 0 : -1;
    if (input.tabIndex !== index) input.tabIndex = index;
  }
}

function normalise(key) {
  return key.length === 1 ? key.toLowerCase() : key;
}

function render({ model, el }) {
  const uid = `rl${Date.now().toString(36)}${(counter += 1)}`;
  const root = h("section", { class: "rl-panel", tabindex: "-1", [SUPPRESS]: "true" });
  el.appendChild(root);
  let refs = null;
  let watched = new Set();
  let announced = "";

  function send(action, extra = {}) {
    model.send({ type: "intent", action, ...extra });
  }

  // -- building (once per spec) ----------------------------------------------------------

  function radioGroup({ name, legend, legendId, options, describedBy, onChoose, cls }) {
    const group = h("fieldset", {
      class: `rl-radios ${cls || ""}`,
      role: "radiogroup",
      "aria-labelledby": legendId,
      "aria-describedby": describedBy,
    });
    group.append(h("legend", { id: legendId }, ...legend));
    const inputs = {};
    for (const option of options) {
      const input = h("input", {
        type: "radio",
        name,
        value: option.id,
        "aria-keyshortcuts": option.shortcut || option.key ? (option.shortcut || option.key).toUpperCase() : null,
      });
      input.addEventListener("change", () => {
        rove(inputs);
        if (input.checked) onChoose(option.id);
      });
      inputs[option.id] = input;
      group.append(
        h(
          "label",
          { class: "rl-radio", title: option.tip || null },
          input,
          h("span", { class: "rl-radio-name", text: option.name }),
          option.key ? kbd(option.key) : null,
        ),
      );
    }
    return { group, inputs };
  }

  function build(spec) {
    root.replaceChildren();
    root.setAttribute("aria-label", `Annotation panel: ${spec.title}`);
    watched = new Set((spec.watched || []).map(normalise));
    const r = { techniques: {}, stances: {}, stanceRows: {} };

    // Header: title, source, and the status line (the polite live region).
    const progress = h("progress", {
      class: "rl-progress",
      max: String(spec.total),
      value: "0",
      "aria-label": "Sentences labelled",
    });
    r.progress = progress;
    r.position = h("span", { class: "rl-position", id: `${uid}-pos` });
    r.status = h("p", {
      class: "rl-status",
      role: "status",
      "aria-live": "polite",
      "aria-atomic": "true",
    });
    root.append(
      h(
        "header",
        { class: "rl-head" },
        h(
          "div",
          { class: "rl-title-line" },
          h("h2", { class: "rl-title", text: spec.title }),
          h("span", { class: "rl-meta", text: spec.meta }),
        ),
        h("div", { class: "rl-statusbar" }, progress, r.position, r.status),
        spec.save_path
          ? h("div", { class: "rl-meta rl-save-path", text: `Saving to ${spec.save_path}` })
          : null,
      ),
    );

    // The sentence in its paragraph | the technique toggles.
    r.paragraph = h("div", { class: "rl-paragraph", "aria-describedby": `${uid}-pos` });
    const text = h(
      "div",
      { class: "rl-text", role: "region", "aria-label": "Current sentence in its paragraph" },
      r.paragraph,
    );

    const choices = h("div", { class: "rl-techniques", id: `${uid}-techniques` });
    // "No technique" first, on the title's line: a learner decides "none" or picks.
    const noneId = `${uid}-none`;
    r.none = h(
      "button",
      {
        type: "button",
        class: "rl-toggle rl-none",
        "aria-pressed": "false",
        "aria-keyshortcuts": spec.no_technique_key.toUpperCase(),
        title: "I looked at this sentence and it uses none of the techniques. Different from not looked at yet.",
      },
      h("span", { class: "rl-check", "aria-hidden": "true" }),
      h("span", { class: "rl-toggle-name", text: "No technique" }),
      kbd(spec.no_technique_key),
    );
    r.none.addEventListener("click", () => send("no-technique"));
    choices.append(
      h(
        "div",
        { class: "rl-tech-head" },
        h("p", { class: "rl-section-title", text: "Techniques (all that apply)" }),
        h(
          "div",
          { class: "rl-category rl-none-group", role: "group", "aria-labelledby": noneId },
          h("h3", { id: noneId, class: "rl-category-name", text: "None of these:" }),
          r.none,
        ),
      ),
    );
    for (const [index, category] of spec.categories.entries()) {
      const headingId = `${uid}-cat-${index}`;
      const group = h(
        "div",
        { class: "rl-category", role: "group", "aria-labelledby": headingId },
        h("h3", { id: headingId, class: "rl-category-name", title: category.description, text: category.name }),
      );
      const row = h("div", { class: "rl-toggles" });
      for (const technique of category.techniques) {
        const button = h(
          "button",
          {
            type: "button",
            class: "rl-toggle",
            "aria-pressed": "false",
            "aria-keyshortcuts": technique.key.toUpperCase(),
            title: technique.tooltip,
          },
          h("span", { class: "rl-check", "aria-hidden": "true" }),
          h("span", { class: "rl-toggle-name", text: technique.name }),
          kbd(technique.key),
        );
        button.addEventListener("click", () => send("toggle", { value: technique.id }));
        r.techniques[technique.id] = button;
        row.append(button);
      }
      group.append(row);
      choices.append(group);
    }
    r.choices = choices;

    // The article summary step: the main frame (the stance groups are shared).
    const frames = radioGroup({
      name: `${uid}-frame`,
      legend: ["Main frame of the article"],
      legendId: `${uid}-frame-legend`,
      options: spec.frames,
      onChoose: (id) => send("frame", { value: id }),
      cls: "rl-frames",
    });
    r.frames = frames.inputs;
    r.summary = h(
      "div",
      { class: "rl-summary", hidden: true },
      h("p", { class: "rl-section-title", text: "Article summary" }),
      h("p", {
        class: "rl-summary-intro",
        text:
          "Now that you have read the whole article: what is the writer's overall stance " +
          "toward each target, and which frame does the article mainly use?",
      }),
      frames.group,
    );

    // Stance: one radio group per target, each one Tab stop. What favor, against and
    // none mean for each target is one disclosure away (and each group's description).
    const stanceKeys = spec.stances.map((stance) => stance.key).join(" ");
    const descriptions = h("details", { class: "rl-target-desc" });
    descriptions.append(h("summary", { text: "What do they mean?" }));
    const stances = h(
      "div",
      { class: "rl-stances" },
      h(
        "div",
        { class: "rl-stance-title" },
        h("p", { class: "rl-section-title" }, "Stance toward each target ", h("span", { class: "rl-keys-note", text: `(keys ${stanceKeys})` })),
        descriptions,
      ),
    );
    for (const [index, target] of spec.targets.entries()) {
      const legendId = `${uid}-target-${index}`;
      const descId = `${uid}-target-desc-${index}`;
      const marker = h("span", { class: "rl-active-marker", "aria-hidden": "true" });
      const activeNote = h("span", { class: "rl-visually-hidden" });
      const { group, inputs } = radioGroup({
        name: `${uid}-stance-${index}`,
        legend: [marker, h("span", { class: "rl-visually-hidden", text: "Stance toward " }), h("b", { text: target.name }), activeNote],
        legendId,
        describedBy: descId,
        options: spec.stances.map((stance) => ({ ...stance, key: null, shortcut: stance.key })),
        onChoose: (id) => send("stance", { value: id, target: target.id }),
        cls: "rl-stance",
      });
      descriptions.append(h("p", { id: descId }, h("b", { text: `${target.name}: ` }), target.description));
      r.stances[target.id] = inputs;
      r.stanceRows[target.id] = { row: group, marker, activeNote };
      stances.append(group);
    }

    // Moves, undo, help, and the "more" drawer.
    const nav = h("div", { class: "rl-nav", role: "group", "aria-label": "Move, undo and help" });
    r.nav = {};
    for (const [action, name, key] of spec.nav) {
      const button = h(
        "button",
        { type: "button", class: `rl-button rl-nav-${action}`, "aria-keyshortcuts": key ? key.toUpperCase() : null },
        h("span", { class: "rl-button-name", text: name }),
        key ? kbd(key) : null,
      );
      button.addEventListener("click", () => {
        if (button.getAttribute("aria-disabled") === "true") return;
        if (action === "help") send("help");
        else if (action === "undo") send("undo");
        else send("move", { value: action });
      });
      r.nav[action] = button;
      nav.append(button);
    }
    r.nav.help.setAttribute("aria-expanded", "false");
    r.nav.help.setAttribute("aria-controls", `${uid}-help`);

    // DOM order is Tab order: techniques, stance groups, moves. Wide, the stance groups
    // and the moves sit under the paragraph and the techniques beside them all (see
    // panel_view.css), so a long list of techniques and a long paragraph share the height.
    r.main = h("div", { class: "rl-main" }, text, h("div", { class: "rl-side" }, choices, r.summary), stances, nav);
    root.append(r.main);

    // Help: the decided keyboard behaviour, the key table and the chosen definitions.
    r.help = h("section", { class: "rl-help", id: `${uid}-help`, hidden: true, "aria-labelledby": `${uid}-help-h` });
    const keyRows = spec.keys.map(([keys, what]) =>
      h("tr", {}, h("td", {}, h("kbd", { text: keys })), h("td", { text: what })),
    );
    r.helpDefinitions = h("div", { class: "rl-help-definitions" });
    r.help.append(
      h("h3", { id: `${uid}-help-h`, text: "Help" }),
      h("p", { text: spec.keyboard_help }),
      h("p", { text: spec.arrow_help }),
      h("p", { text: spec.tab_help }),
      r.helpDefinitions,
      h(
        "table",
        { class: "rl-table" },
        h("caption", { text: "Keys" }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Key" }), h("th", { scope: "col", text: "What it does" }))),
        h("tbody", {}, ...keyRows),
      ),
    );
    // The glossary: the words of the codebook and the lessons (standfirst, hedge, frame…).
    if (spec.glossary && spec.glossary.length) {
      r.help.append(
        h(
          "details",
          { class: "rl-glossary" },
          h("summary", { text: `Glossary (${spec.glossary.length} terms)` }),
          h("dl", {}, ...spec.glossary.flatMap(([term, definition]) => [h("dt", { text: term }), h("dd", { text: definition })])),
        ),
      );
    } else if (spec.glossary_problem) {
      r.help.append(h("p", { class: "rl-glossary", role: "note", text: spec.glossary_problem }));
    }
    root.append(r.help);

    // More: confidence, note, jump, my labels (below the one-screen part).
    const confidence = radioGroup({
      name: `${uid}-confidence`,
      legend: ["Confidence (optional)"],
      legendId: `${uid}-conf-legend`,
      options: spec.confidence,
      onChoose: (id) => send("confidence", { value: id }),
      cls: "rl-confidence",
    });
    r.confidence = confidence.inputs;
    r.note = h("textarea", {
      id: `${uid}-note`,
      class: "rl-note",
      rows: "2",
      placeholder: "Optional: what made you choose these labels (saved when you leave the box)",
    });
    r.note.addEventListener("change", () => send("note", { value: r.note.value }));
    r.jump = h("select", { id: `${uid}-jump`, class: "rl-jump" });
    for (const item of spec.jump) {
      r.jump.append(h("option", { value: String(item.index), text: item.label }));
    }
    r.jump.addEventListener("change", () => send("move", { value: Number(r.jump.value) }));
    r.labelsButton = h("button", { type: "button", class: "rl-button", "aria-expanded": "false", "aria-controls": `${uid}-labels` }, "Show my labels so far");
    r.labelsButton.addEventListener("click", () => send("labels"));
    r.labels = h("div", { id: `${uid}-labels`, class: "rl-labels", hidden: true });
    r.more = h(
      "details",
      { class: "rl-more" },
      h("summary", { text: "More: confidence, a note, jump to a sentence, my labels" }),
      confidence.group,
      h("label", { class: "rl-field", for: `${uid}-note` }, "Why? (a note for this sentence)"),
      r.note,
      h("label", { class: "rl-field", for: `${uid}-jump` }, "Jump to a sentence"),
      r.jump,
      h("div", {}, r.labelsButton),
      r.labels,
    );
    root.append(r.more);
    refs = r;
  }

  // -- showing the state ----------------------------------------------------------------

  function setChecked(inputs, value) {
    for (const [id, input] of Object.entries(inputs)) {
      if (input.checked !== (id === value)) input.checked = id === value;
    }
    rove(inputs);
  }

  function setPressed(button, on) {
    setAttr(button, "aria-pressed", on ? "true" : "false");
    const check = button.querySelector(".rl-check");
    if (check.textContent !== (on ? "✓" : "")) check.textContent = on ? "✓" : "";
  }

  function labelsTable(state, spec) {
    const head = ["#", "Sentence", "Techniques", ...spec.targets.map((t) => t.name), "Note"];
    const table = h(
      "table",
      { class: "rl-table" },
      h("caption", { text: "My labels so far" }),
      h("thead", {}, h("tr", {}, ...head.map((name) => h("th", { scope: "col", text: name })))),
    );
    const body = h("tbody");
    for (const row of state.labels) {
      const cells = [
        h("th", { scope: "row", text: String(row.position) }),
        h("td", { text: row.text }),
        h("td", { text: row.techniques }),
        ...row.stances.map((s) => h("td", { text: s })),
        h("td", { text: row.note }),
      ];
      if (row.current) cells[0].setAttribute("aria-current", "step");
      body.append(h("tr", { class: row.current ? "rl-current-row" : null }, ...cells));
    }
    table.append(body);
    return table;
  }

  function drawParagraph(box, state) {
    box.replaceChildren();
    if (state.on_summary) {
      box.append(h("p", { text: state.summary_text }));
      return;
    }
    for (const [index, part] of state.paragraph.entries()) {
      if (index) box.append(" ");
      box.append(
        part.current
          ? h("mark", { class: "rl-current", text: part.text })
          : h("span", { class: "rl-other", text: part.text }),
      );
    }
  }

  function show() {
    const spec = model.get("spec");
    const state = model.get("state");
    if (!spec || !spec.title || !state || state.index === undefined) return;
    if (refs === null) build(spec);
    const r = refs;
    const hadFocus = root.contains(document.activeElement);
    if (r.position.textContent !== state.position) r.position.textContent = state.position;
    // The paragraph is redrawn only when the sentence changes, not after every label.
    if (r.shownIndex !== state.index) {
      r.shownIndex = state.index;
      drawParagraph(r.paragraph, state);
    }
    if (r.choices.hidden !== state.on_summary) r.choices.hidden = state.on_summary;
    if (r.summary.hidden !== !state.on_summary) r.summary.hidden = !state.on_summary;
    const chosen = new Set(state.techniques || []);
    for (const [id, button] of Object.entries(r.techniques)) setPressed(button, chosen.has(id));
    setPressed(r.none, Array.isArray(state.techniques) && state.techniques.length === 0);
    for (const [target, inputs] of Object.entries(r.stances)) {
      setChecked(inputs, state.stances[target]);
      const active = target === state.active_target;
      const { row, marker, activeNote } = r.stanceRows[target];
      if (row.classList.contains("rl-active") !== active) row.classList.toggle("rl-active", active);
      if (marker.textContent !== (active ? "▶ " : "")) marker.textContent = active ? "▶ " : "";
      const note = active ? " (the stance keys apply here)" : "";
      if (activeNote.textContent !== note) activeNote.textContent = note;
    }
    setChecked(r.frames, state.frame);
    setChecked(r.confidence, state.confidence);
    if (document.activeElement !== r.note && r.note.value !== state.note) r.note.value = state.note;
    if (r.jump.value !== String(state.index)) r.jump.value = String(state.index);
    for (const [action, enabled] of Object.entries(state.enabled)) {
      if (r.nav[action]) setAttr(r.nav[action], "aria-disabled", enabled ? "false" : "true");
    }
    if (r.progress.value !== state.labelled) r.progress.value = state.labelled;
    setAttr(r.progress, "aria-valuetext", state.progress);
    if (state.announce !== announced) {
      announced = state.announce;
      r.status.textContent = state.announce;
    }
    setAttr(r.status, "data-kind", state.save_kind);
    if (r.help.hidden !== !state.help_open) r.help.hidden = !state.help_open;
    setAttr(r.nav.help, "aria-expanded", state.help_open ? "true" : "false");
    if (state.help_open) {
      r.helpDefinitions.replaceChildren(
        ...state.help.map((item) =>
          h(
            "div",
            { class: "rl-definition" },
            h("h4", { text: item.title }),
            ...item.lines.map(([label, text]) => h("p", {}, h("b", { text: `${label}: ` }), text)),
          ),
        ),
      );
    }
    if (r.labels.hidden !== !state.labels_open) r.labels.hidden = !state.labels_open;
    setAttr(r.labelsButton, "aria-expanded", state.labels_open ? "true" : "false");
    const labelsWords = state.labels_open ? "Hide my labels so far" : "Show my labels so far";
    if (r.labelsButton.textContent !== labelsWords) r.labelsButton.textContent = labelsWords;
    if (state.labels_open) r.labels.replaceChildren(labelsTable(state, spec));
    // A focused control that was hidden (technique toggles on the summary step) would drop
    // focus to the page, and the keys to JupyterLab: keep focus in the panel.
    if (hadFocus && !root.contains(document.activeElement)) root.focus({ preventScroll: true });
  }

  // -- keyboard --------------------------------------------------------------------------

  function onWindowKeydown(event) {
    const target = event.target;
    if (!(target instanceof Node) || !root.contains(target) || event.isComposing) return;
    if (event.key === "Tab" || event.key === "Escape" || isTextEntry(target)) return;
    const combo = event.ctrlKey || event.altKey || event.metaKey;
    if (combo && event.key !== "Enter") return; // Ctrl+S still saves the notebook
    event.stopPropagation(); // JupyterLab's command-mode shortcuts never see it
    if (combo) return;
    const inRadio = target instanceof HTMLInputElement && target.type === "radio";
    if (inRadio && ARROWS.has(event.key)) return; // the radio group moves the choice
    if (watched.has(normalise(event.key))) {
      event.preventDefault();
      model.send({ type: "key", key: event.key });
    }
  }
  window.addEventListener("keydown", onWindowKeydown, true);

  // Tell the cell around this view that the script loaded: its plain "could not load"
  // message (an ipywidgets HTML widget beside this view) is hidden once the view is in
  // the page.
  let tries = 0;
  let timer = null;
  function hideFallback() {
    timer = null;
    const box = el.isConnected ? el.closest(".rhetoric-lab-panel") : null;
    if (box !== null) {
      for (const node of box.querySelectorAll(".rl-fallback")) node.style.display = "none";
      return;
    }
    if (!el.isConnected && (tries += 1) < 400) timer = setTimeout(hideFallback, 25);
  }

  const onChange = () => show();
  const onSpec = () => {
    refs = null;
    show();
  };
  model.on("change:state", onChange);
  model.on("change:spec", onSpec);
  show();
  hideFallback();

  return () => {
    if (timer !== null) clearTimeout(timer);
    window.removeEventListener("keydown", onWindowKeydown, true);
    model.off("change:state", onChange);
    model.off("change:spec", onSpec);
  };
}

export default { render };
