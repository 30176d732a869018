// weaklabel workbench: the little JavaScript the pages need (no framework, no CDN).
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const classes = JSON.parse(document.body.dataset.classes || "[]");

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    }).then(async (r) => {
      const data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(data.error || r.statusText);
      return data;
    });
  }
  function get(url) {
    return fetch(url).then(async (r) => {
      const data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(data.error || r.statusText);
      return data;
    });
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text; // never innerHTML for user text
    return e;
  }

  // ---- background job indicator: poll while a job runs, reload when it ends
  const job = document.getElementById("job");
  function pollJob(reloadWhenDone) {
    get("/api/job").then((s) => {
      if (s.state === "running") {
        job.dataset.state = "running";
        job.textContent = s.kind + ": " + s.message + " (" + Math.round(s.progress * 100) + "%)";
        setTimeout(() => pollJob(true), 300);
      } else {
        job.dataset.state = s.state;
        job.textContent = s.state === "failed" ? s.kind + " failed: " + s.error : "";
        if (reloadWhenDone && document.body.dataset.page === "overview") location.reload();
      }
    }).catch(() => setTimeout(() => pollJob(reloadWhenDone), 1000));
  }
  if (job && job.dataset.state === "running") pollJob(true);

  // ---- overview: refit / reload without leaving the page
  const refitForm = document.getElementById("refit-form");
  if (refitForm) {
    refitForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      post("/api/jobs/fit").then(() => pollJob(true));
    });
    const reload = document.getElementById("reload");
    reload.addEventListener("click", () => post("/api/jobs/reload").then(() => pollJob(true)));
  }
  const report = document.getElementById("report");
  if (report) {
    fetch(report.dataset.src).then((r) => r.text()).then((html) => {
      // the fragment is rendered by the server with every user string escaped
      report.innerHTML = html;
    });
  }

  // ---- label page: a queue from the active-learning suggestions, keyboard driven
  const card = document.getElementById("label-row");
  if (card) {
    let queue = [];
    let current = null;
    const status = document.getElementById("label-status");
    const empty = document.getElementById("label-empty");
    function show() {
      current = queue.shift() || null;
      if (!current) {
        card.hidden = true;
        empty.hidden = false;
        empty.textContent = "Loading more rows…";
        return fill();
      }
      card.hidden = false;
      empty.hidden = true;
      document.getElementById("label-position").textContent = current.position;
      document.getElementById("label-current").textContent = current.label ? "(labeled " + current.label + ")" : "";
      document.getElementById("label-text").textContent = current.text;
      const votes = document.getElementById("label-votes");
      votes.replaceChildren(...current.votes.map((v) => el("span", { class: "vote" }, v.lf + ": " + v["class"])));
      if (!current.votes.length) votes.replaceChildren(el("span", { class: "muted" }, "no LF fired"));
      document.getElementById("label-proba").textContent = current.proba
        ? "label model: " + classes.map((c, i) => c + " " + current.proba[i].toFixed(2)).join(", ")
        : "";
    }
    function fill() {
      return get("/api/queue?n=20").then((d) => {
        queue = d.rows;
        if (!queue.length) {
          empty.textContent = "Nothing left to label.";
          return;
        }
        show();
      }).catch((e) => { empty.textContent = e.message; });
    }
    function label(index) {
      if (!current) return;
      const row = current;
      post("/api/labels", { position: row.position, label: index }).then((d) => {
        status.textContent = "saved: row " + row.position + " = " + classes[index];
        status.dataset.saved = String((Number(status.dataset.saved) || 0) + 1);
      }).catch((e) => { status.textContent = "not saved: " + e.message; });
      show();
    }
    function skip() {
      if (!current) return;
      post("/api/skip", { position: current.position });
      status.textContent = "skipped row " + current.position;
      show();
    }
    function undo() {
      post("/api/undo", {}).then((d) => {
        if (!d.row) { status.textContent = "nothing to undo"; return; }
        status.textContent = "undone: row " + d.row.position;
        if (current) queue.unshift(current);
        queue.unshift(d.row);
        show();
      });
    }
    document.addEventListener("keydown", (ev) => {
      if (ev.target.matches("input, textarea, select")) return;
      const n = Number(ev.key);
      if (Number.isInteger(n) && n >= 1 && n <= classes.length) label(n - 1);
      else if (ev.key === "s") skip();
      else if (ev.key === "u") undo();
    });
    document.querySelectorAll(".label-button").forEach((b) =>
      b.addEventListener("click", () => label(Number(b.dataset.label))));
    document.getElementById("skip-button").addEventListener("click", skip);
    document.getElementById("undo-button").addEventListener("click", undo);
    fill();
  }

  // ---- try a rule: preview as you type, accept into the project
  const ruleForm = document.getElementById("rule-form");
  if (ruleForm) {
    const kind = document.getElementById("rule-kind");
    const pattern = document.getElementById("rule-pattern");
    const labelSel = document.getElementById("rule-label");
    const name = document.getElementById("rule-name");
    const preview = document.getElementById("rule-preview");
    let timer = null;
    let seq = 0;
    function render(p) {
      const parts = [];
      const stats = el("p", { id: "preview-stats" });
      stats.textContent =
        "fires on " + p.n_fired + " of " + p.n_rows + " rows (coverage " + (100 * p.coverage).toFixed(2) + "%)" +
        "; precision on labeled rows: " + (p.precision === null ? "no labeled row fired" : p.precision.toFixed(3) + " (" + p.n_labeled_fired + " rows)") +
        "; overlaps " + (100 * p.overlaps).toFixed(1) + "%, conflicts " + (100 * p.conflicts).toFixed(1) + "%" +
        " · " + (1000 * p.seconds).toFixed(0) + " ms";
      parts.push(stats);
      if (p.per_lf.length) {
        const t = el("table", { class: "per-lf" });
        t.appendChild(el("tr")).append(el("th", {}, "LF"), el("th", {}, "overlap"), el("th", {}, "conflict"));
        for (const r of p.per_lf) t.appendChild(el("tr")).append(el("td", {}, r.lf), el("td", {}, r.overlap), el("td", {}, r.conflict));
        parts.push(t);
      }
      const ul = el("ul", { id: "preview-examples" });
      for (const ex of p.examples) ul.appendChild(el("li", {}, "#" + ex.position + " " + ex.text));
      parts.push(ul);
      preview.replaceChildren(...parts);
    }
    function update() {
      if (!pattern.value.trim()) return;
      const mine = ++seq;
      const q = new URLSearchParams({ kind: kind.value, pattern: pattern.value, label: labelSel.value });
      get("/api/rules/preview?" + q).then((p) => { if (mine === seq) render(p); })
        .catch((e) => { if (mine === seq) preview.replaceChildren(el("p", { class: "error" }, e.message)); });
    }
    function schedule() { clearTimeout(timer); timer = setTimeout(update, kind.value === "zero_shot" ? 500 : 150); }
    [kind, pattern, labelSel].forEach((x) => x.addEventListener("input", schedule));
    document.getElementById("rule-accept").addEventListener("click", () => {
      const prefix = { keyword: "kw_", regex: "re_", zero_shot: "zs_" }[kind.value] || "rule_";
      const suggested = prefix + pattern.value.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 40);
      post("/api/rules", { name: name.value || suggested, kind: kind.value, pattern: pattern.value, label: Number(labelSel.value) })
        .then(() => location.reload())
        .catch((e) => preview.replaceChildren(el("p", { class: "error", id: "accept-error" }, e.message)));
    });
    document.querySelectorAll(".rule-remove").forEach((b) => b.addEventListener("click", () =>
      post("/api/rules/" + encodeURIComponent(b.dataset.name) + "/delete").then(() => location.reload())));
    const sugg = document.getElementById("suggestions");
    get(sugg.dataset.src).then((d) => {
      if (!d.suggestions.length) {
        sugg.replaceChildren(el("p", { class: "muted" }, "No suggestion yet: label a few rows (Label page) and come back."));
        return;
      }
      const t = el("table", { id: "suggestions-table" });
      t.appendChild(el("tr")).append(el("th", {}, "rule"), el("th", {}, "class"), el("th", {}, "precision on labeled"),
        el("th", {}, "labeled rows"), el("th", {}, "coverage"), el("th", {}, ""));
      for (const s of d.suggestions) {
        const tr = t.appendChild(el("tr"));
        const rule = el("td");
        rule.append(el("code", {}, s.pattern), " (" + s.kind + ")");
        const btn = el("button", { type: "button", class: "suggestion-try" }, "try");
        btn.addEventListener("click", () => {
          kind.value = s.kind; pattern.value = s.pattern;
          labelSel.value = String(classes.indexOf(s.label)); name.value = s.name; update();
          window.scrollTo(0, 0);
        });
        const act = el("td"); act.append(btn);
        tr.append(rule, el("td", {}, s.label), el("td", {}, Number(s.precision).toFixed(2)),
          el("td", {}, s.support), el("td", {}, (100 * s.coverage).toFixed(2) + "%"), act);
      }
      sugg.replaceChildren(t);
    }).catch((e) => sugg.replaceChildren(el("p", { class: "error" }, e.message)));
  }
})();
