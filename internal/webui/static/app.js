// vidb web UI: the few behaviours html and htmx do not cover. No inline scripts (CSP).
(function () {
  "use strict";

  function flash(msg) {
    var f = document.getElementById("flash");
    if (!f) return;
    f.textContent = msg;
    f.hidden = false;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  document.addEventListener("htmx:responseError", function (ev) {
    flash(ev.detail.xhr.responseText || "the request failed");
  });
  document.addEventListener("htmx:sendError", function () { flash("the server cannot be reached"); });

  // ---- Upload: each file on its own, two at a time, with progress and its result. ----
  function setupUpload() {
    var form = document.querySelector("[data-upload]");
    if (!form) return;
    var list = document.getElementById("results");
    var queue = [], running = 0, seq = 0;

    function enqueue(file, path) {
      var row = el("li", { "class": "result", "id": "result-" + (++seq) });
      var name = el("span", { "class": "name" }, path);
      var bar = el("progress", { max: "100", value: "0", "aria-label": "upload of " + path });
      var out = el("div", { "class": "outcome", "role": "status" }, "waiting");
      row.append(name, bar, out);
      list.appendChild(row);
      queue.push({ file: file, path: path, bar: bar, out: out, row: row });
      pump();
    }

    function pump() {
      while (running < 2 && queue.length) {
        running++;
        send(queue.shift());
      }
    }

    function send(job) {
      var cs = document.getElementById("case").value;
      if (!cs) { job.out.textContent = "choose a case first"; running--; pump(); return; }
      var q = new URLSearchParams({ "case": cs, path: job.path });
      var ex = document.getElementById("exhibit").value.trim();
      if (ex) q.set("exhibit", ex);
      if (job.file.lastModified) q.set("modified", new Date(job.file.lastModified).toISOString());
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/media?" + q.toString());
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) job.bar.value = Math.round(e.loaded * 100 / e.total);
      };
      job.out.textContent = "uploading";
      xhr.onload = function () {
        job.bar.value = 100;
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          render(job, body);
        } else {
          job.row.classList.add("failed");
          job.out.textContent = "refused: " + (body && body.error ? body.error.message : "HTTP " + xhr.status);
        }
        running--; pump();
      };
      xhr.onerror = function () {
        job.row.classList.add("failed");
        job.out.textContent = "failed: the server cannot be reached";
        running--; pump();
      };
      xhr.send(job.file);
    }

    function mediaLink(m) {
      return el("a", { href: "/media/" + m.id }, "media " + m.id);
    }

    function render(job, r) {
      var out = job.out;
      out.textContent = "";
      job.row.classList.add("status-" + r.status);
      var head = el("p");
      if (r.status === "new") {
        head.append(el("strong", null, "new"), " · ", mediaLink(r.media));
      } else if (r.status === "held") {
        head.append(el("strong", null, "already held"), " · ", mediaLink(r.media));
        if (r.media.series) {
          var s = el("span", null, " · series …");
          head.append(s);
          fetch("/api/v1/series/" + r.media.series, { credentials: "same-origin" })
            .then(function (x) { return x.ok ? x.json() : null; })
            .then(function (x) {
              if (!x) { s.textContent = ""; return; }
              s.textContent = " · series ";
              s.append(el("a", { href: "/series/" + x.id }, x.name), " (" + (x.status === "identified" ? "victim identified" : "victim not identified") + ")");
            });
        }
      } else if (r.status === "hit") {
        head.append(el("strong", null, "hit"), " · " + (r.hit ? r.hit.message : ""));
      }
      out.appendChild(head);
      // A hit on the upload itself is said once, above.
      var ms = (r.matches || []).filter(function (f) { return !(r.hit && f.hit && f.hit.owner === r.hit.owner); });
      if (ms.length) {
        var ul = el("ul", { "class": "found-list" });
        ms.forEach(function (f) {
          var li = el("li");
          if (f.hit) {
            li.className = "hit";
            li.textContent = f.hit.message;
          } else if (f.media) {
            li.append(f.kind === "near" ? "near match (distance " + f.distance + "): " : f.kind + " match: ", mediaLink(f.media));
            if (f.series) li.append(" · series ", el("a", { href: "/series/" + f.series.id }, f.series.name), " (" + f.series.status + ")");
          }
          ul.appendChild(li);
        });
        out.appendChild(ul);
      }
      (r.warnings || []).forEach(function (w) { out.appendChild(el("p", { "class": "muted" }, w)); });
    }

    function walk(entry, prefix) {
      if (entry.isFile) {
        entry.file(function (f) { enqueue(f, prefix + entry.name); });
      } else if (entry.isDirectory) {
        var reader = entry.createReader();
        var readAll = function () {
          reader.readEntries(function (es) {
            if (!es.length) return;
            es.forEach(function (e) { walk(e, prefix + entry.name + "/"); });
            readAll();
          });
        };
        readAll();
      }
    }

    function take(input) {
      Array.prototype.forEach.call(input.files, function (f) { enqueue(f, f.webkitRelativePath || f.name); });
      input.value = "";
    }
    document.getElementById("files").addEventListener("change", function () { take(this); });
    document.getElementById("folder").addEventListener("change", function () { take(this); });
    var drop = document.getElementById("drop");
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      var items = e.dataTransfer.items;
      if (items && items.length && items[0].webkitGetAsEntry) {
        Array.prototype.forEach.call(items, function (it) {
          var en = it.webkitGetAsEntry();
          if (en) walk(en, "");
        });
      } else {
        Array.prototype.forEach.call(e.dataTransfer.files, function (f) { enqueue(f, f.name); });
      }
    });
  }

  // ---- Reveal: only on an explicit click; the content lives in a blob: URL. ----
  function setupReveal() {
    var btn = document.getElementById("reveal");
    if (!btn) return;
    btn.addEventListener("click", function () {
      btn.disabled = true;
      fetch("/media/" + btn.dataset.media + "/reveal", { method: "POST", credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) return r.text().then(function (t) { throw new Error(t || "HTTP " + r.status); });
          var n = r.headers.get("X-Reveals-Today");
          if (n !== null) document.getElementById("reveals-today").textContent = n;
          return r.blob();
        })
        .then(function (b) {
          var box = document.getElementById("revealed");
          box.textContent = "";
          var url = URL.createObjectURL(b);
          var media;
          if (btn.dataset.kind === "video") {
            media = el("video", { controls: "", preload: "metadata", src: url, "aria-label": "revealed video" });
          } else {
            media = el("img", { src: url, alt: "revealed media " + btn.dataset.media, id: "revealed-img" });
          }
          var hide = el("button", { type: "button" }, "Hide");
          hide.addEventListener("click", function () { box.textContent = ""; URL.revokeObjectURL(url); btn.disabled = false; btn.focus(); });
          box.append(media, hide);
        })
        .catch(function (e) { flash(e.message); btn.disabled = false; });
    });
  }

  // ---- Categorise with the keys 0 to 4, as forensic tools do. ----
  function setupKeys() {
    if (!document.querySelector("[data-categorise]")) return;
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (!/^[0-4]$/.test(e.key)) return;
      var b = document.querySelector('#categorise button[data-key="' + e.key + '"]');
      if (b) { e.preventDefault(); b.click(); }
    });
  }

  // ---- Regions: show the clues' rectangles, and draw a new one with the mouse. ----
  function setupRegions() {
    var canvas = document.getElementById("canvas");
    var img = document.getElementById("preview");
    if (!canvas || !img) return;
    var W = +canvas.dataset.width, H = +canvas.dataset.height;
    function scale() { return img.clientWidth && W ? img.clientWidth / W : 0; }
    function place(span, x, y, w, h) {
      var s = scale();
      span.style.left = (x * s) + "px";
      span.style.top = (y * s) + "px";
      span.style.width = (w * s) + "px";
      span.style.height = (h * s) + "px";
    }
    function layout() {
      canvas.querySelectorAll(".region[data-x]").forEach(function (r) {
        place(r, +r.dataset.x, +r.dataset.y, +r.dataset.w, +r.dataset.h);
      });
    }
    if (img.complete) layout(); else img.addEventListener("load", layout);
    window.addEventListener("resize", layout);

    var form = document.getElementById("clue-form");
    if (!form) return;
    var rubber = document.getElementById("rubber");
    var start = null;
    function at(e) {
      var b = img.getBoundingClientRect(), s = scale();
      var x = Math.min(Math.max(e.clientX - b.left, 0), b.width);
      var y = Math.min(Math.max(e.clientY - b.top, 0), b.height);
      return { x: x / s, y: y / s };
    }
    function rect(a, b) {
      var x = Math.floor(Math.min(a.x, b.x)), y = Math.floor(Math.min(a.y, b.y));
      var w = Math.min(Math.ceil(Math.abs(a.x - b.x)), W - x), h = Math.min(Math.ceil(Math.abs(a.y - b.y)), H - y);
      return { x: x, y: y, w: w, h: h };
    }
    canvas.addEventListener("mousedown", function (e) {
      if (e.button !== 0 || !scale()) return;
      e.preventDefault();
      start = at(e);
      rubber.hidden = false;
      place(rubber, start.x, start.y, 0, 0);
    });
    window.addEventListener("mousemove", function (e) {
      if (!start) return;
      var r = rect(start, at(e));
      place(rubber, r.x, r.y, r.w, r.h);
    });
    window.addEventListener("mouseup", function (e) {
      if (!start) return;
      var r = rect(start, at(e));
      start = null;
      if (r.w < 1 || r.h < 1) { rubber.hidden = true; return; }
      place(rubber, r.x, r.y, r.w, r.h);
      document.getElementById("rx").value = r.x;
      document.getElementById("ry").value = r.y;
      document.getElementById("rw").value = r.w;
      document.getElementById("rh").value = r.h;
      var text = form.querySelector("textarea[name=text]");
      if (text) text.focus();
    });
  }

  // ---- Search by image: accept a dropped file into the form's input. ----
  function setupSearchDrop() {
    var form = document.getElementById("search-image");
    if (!form) return;
    var input = document.getElementById("search-file");
    form.addEventListener("dragover", function (e) { e.preventDefault(); form.classList.add("over"); });
    form.addEventListener("dragleave", function () { form.classList.remove("over"); });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      form.classList.remove("over");
      if (e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        form.requestSubmit();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupUpload();
    setupReveal();
    setupKeys();
    setupRegions();
    setupSearchDrop();
  });
})();
