/*
 * The document reader (markup: documents/_viewer.html, styles: viewer.css). An ES module with
 * no build step and no library but the vendored pdf.js, which it loads on demand from the
 * address the template gives (so a browser that cannot run it keeps the download link).
 *
 * Pages are drawn only when they come near the visible area (IntersectionObserver) and the
 * farthest drawings are dropped again, so a long dossier stays light on a phone. Each drawn
 * page gets a transparent text layer (selection, search, screen readers). Search folds both
 * sides the Vietnamese way (NFD, tone and vowel marks dropped, đ -> d, lower case), so
 * "dieu chinh" finds "điều chỉnh". Private notes go through the JSON API at data-notes-url.
 * Every user-facing string comes from the data-* attributes of [data-pdfv-strings].
 */

const CSS_UNITS = 96 / 72; // PDF points to CSS pixels: 100 % is the printed size
const ZOOM_STEPS = [0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4];
const MIN_ZOOM = ZOOM_STEPS[0];
const MAX_ZOOM = ZOOM_STEPS[ZOOM_STEPS.length - 1];
const AUTO_ZOOM_MAX = 1.25; // the first fit to width never blows a page up beyond this
const MAX_CANVAS_PIXELS = 8 * 1024 * 1024; // phones refuse (or blank) larger canvases
const KEEP_DRAWN = 10; // page drawings kept in memory beyond the visible ones
const SEARCH_MIN_AUTO = 2; // shortest query searched while typing (Enter searches any length)
const SEARCH_DELAY_MS = 300;

function format(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/* ---- Vietnamese folding for search ----------------------------------------------------- */

const MARKS = /[\u0300-\u036f]/g;
const SPACE = /\s/;
const foldCache = new Map();

/** One character folded: "Đ" -> "d", "ệ" -> "e", a lone combining mark -> "". */
function foldChar(ch) {
  let folded = foldCache.get(ch);
  if (folded === undefined) {
    folded = ch.normalize("NFD").replace(MARKS, "").toLowerCase().replace(/đ/g, "d");
    if (SPACE.test(folded)) {
      folded = " ";
    }
    foldCache.set(ch, folded);
  }
  return folded;
}

/** A query folded the same way, runs of white space made one space, ends trimmed. */
function foldQuery(text) {
  let out = "";
  for (const ch of text.normalize("NFC")) {
    const folded = foldChar(ch);
    if (folded === " " && (out === "" || out.endsWith(" "))) {
      continue;
    }
    out += folded;
  }
  return out.trimEnd();
}

/**
 * The folded text of one page with, for every folded character, the text item and the offset
 * in that item it came from. Items are joined as pdf.js gives them; an item that ends a line
 * adds a space, so a phrase split over two lines is still found.
 */
function indexPage(items) {
  let text = "";
  const item = [];
  const offset = [];
  let lastSpace = true;
  items.forEach((entry, idx) => {
    const str = entry.str || "";
    for (let off = 0; off < str.length; off += 1) {
      const folded = foldChar(str[off]);
      for (const ch of folded) {
        if (ch === " " && lastSpace) {
          continue;
        }
        text += ch;
        item.push(idx);
        offset.push(off);
        lastSpace = ch === " ";
      }
    }
    if (entry.hasEOL && !lastSpace) {
      text += " ";
      item.push(idx);
      offset.push(str.length);
      lastSpace = true;
    }
  });
  return { text, item, offset };
}

/** Every match of ``query`` in a page index, as ranges of text items: [{item, from, to}]. */
function findInPage(index, query) {
  const found = [];
  let at = index.text.indexOf(query);
  while (at !== -1) {
    const ranges = [];
    for (let k = at; k < at + query.length; k += 1) {
      const idx = index.item[k];
      const off = index.offset[k];
      const last = ranges[ranges.length - 1];
      if (last && last.item === idx) {
        last.to = Math.max(last.to, off + 1);
      } else {
        ranges.push({ item: idx, from: off, to: off + 1 });
      }
    }
    found.push(ranges);
    at = index.text.indexOf(query, at + query.length);
  }
  return found;
}

/* ---- Dates as the house writes them (core/dates.py): Vietnam time, Decree 30 style ------ */

const EN_MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

function formatDateTime(iso, lang) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  const parts = {};
  new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  })
    .formatToParts(date)
    .forEach((part) => {
      parts[part.type] = part.value;
    });
  const day = Number(parts.day);
  const month = Number(parts.month);
  const time = `${parts.hour}:${parts.minute}`;
  if (!lang || lang === "vi" || lang.startsWith("vi-")) {
    const dd = day < 10 ? `0${day}` : String(day);
    const mm = month < 3 ? `0${month}` : String(month);
    return `${time}, ngày ${dd} tháng ${mm} năm ${parts.year}`;
  }
  return `${time}, ${day} ${EN_MONTHS[month - 1]} ${parts.year}`;
}

function svgIcon(path) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const shape = document.createElementNS(ns, "path");
  shape.setAttribute("fill", "currentColor");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}

const NOTE_ICON = "M5 3h11l5 5v13H5zm2 2v14h12V9h-4V5zm2 7h8v2H9zm0 4h8v2H9z";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/* ---- The viewer ------------------------------------------------------------------------ */

class Viewer {
  constructor(root) {
    this.root = root;
    this.s = root.querySelector("[data-pdfv-strings]").dataset;
    this.lang = root.dataset.lang || document.documentElement.lang || "vi";
    const q = (selector) => root.querySelector(selector);
    this.el = {
      fallback: q("[data-pdfv-fallback]"),
      fallbackText: q("[data-pdfv-fallback-text]"),
      loading: q("[data-pdfv-loading]"),
      ui: q("[data-pdfv-ui]"),
      pages: q("[data-pdfv-pages]"),
      thumbList: q("[data-pdfv-thumb-list]"),
      pageInput: q("[data-pdfv-page-input]"),
      pageCount: q("[data-pdfv-page-count]"),
      zoomLevel: q("[data-pdfv-zoom-level]"),
      search: q("[data-pdfv-search]"),
      searchInput: q("[data-pdfv-search-input]"),
      searchCount: q("[data-pdfv-search-count]"),
      announce: q("[data-pdfv-announce]"),
      prevHit: q('[data-pdfv-action="prev-hit"]'),
      nextHit: q('[data-pdfv-action="next-hit"]'),
      prevPage: q('[data-pdfv-action="prev-page"]'),
      nextPage: q('[data-pdfv-action="next-page"]'),
    };
    this.panels = {};
    this.toggles = {};
    root.querySelectorAll("[data-pdfv-panel]").forEach((panel) => {
      this.panels[panel.dataset.pdfvPanel] = panel;
    });
    root.querySelectorAll("[data-pdfv-toggle]").forEach((button) => {
      this.toggles[button.dataset.pdfvToggle] = button;
    });
    this.pdfjs = null;
    this.doc = null;
    this.pages = [];
    this.pagePromises = new Map();
    this.texts = new Map();
    this.indexes = new Map();
    this.visible = new Set();
    this.thumbsVisible = new Set();
    this.drawn = new Set();
    this.zoom = 1;
    this.zoomMode = "auto";
    this.current = 1;
    this.pinned = null;
    this.renderRunning = false;
    this.renderAgain = false;
    this.renderQueued = false;
    this.hits = [];
    this.hitsByPage = new Map();
    this.hitIndex = -1;
    this.query = "";
    this.searchToken = 0;
    this.searchTimer = 0;
    this.notesByPage = new Map();
    this.notes = root.dataset.notesUrl ? new Notes(this) : null;
  }

  /* -- Loading ------------------------------------------------------------------------- */

  async start() {
    this.root.classList.add("is-started");
    this.el.fallback.hidden = true;
    this.setLoading(this.s.loading);
    try {
      this.pdfjs = await import(this.root.dataset.libSrc);
      this.pdfjs.GlobalWorkerOptions.workerSrc = this.root.dataset.workerSrc;
    } catch (error) {
      this.fail(this.s.loadFailed, error);
      return;
    }
    try {
      const task = this.pdfjs.getDocument({
        url: this.root.dataset.pdfUrl,
        wasmUrl: this.root.dataset.wasmUrl,
        // pdf.js 5.7 and later never evaluate code from a PDF and ignore this option; it
        // stays so that an older copy put here by mistake could not turn eval back on.
        isEvalSupported: false,
        enableXfa: false,
      });
      let shown = -1; // progress in steps of 10 %, so the status is not read out constantly
      task.onProgress = ({ loaded, total }) => {
        const step = total > 0 ? Math.min(10, Math.floor((10 * loaded) / total)) : -1;
        if (step > shown && !this.doc) {
          shown = step;
          this.setLoading(format(this.s.loadingPercent, { percent: `${step * 10}%` }));
        }
      };
      this.doc = await task.promise;
      const first = await this.getPage(1);
      this.el.loading.hidden = true;
      this.el.ui.hidden = false;
      this.build(first);
    } catch (error) {
      const password = error && error.name === "PasswordException";
      this.fail(password ? this.s.password : this.s.loadFailed, error);
      return;
    }
    if (this.notes) {
      this.notes.start();
    }
    this.loadPageSizes();
  }

  setLoading(text) {
    this.el.loading.textContent = text;
    this.el.loading.hidden = false;
  }

  fail(message, error) {
    if (error) {
      console.error("document viewer:", error);
    }
    this.el.loading.hidden = true;
    this.el.ui.hidden = true;
    this.el.fallback.classList.replace("alert-info", "alert-warning");
    this.el.fallback.setAttribute("role", "alert");
    this.el.fallbackText.textContent = message;
    this.el.fallback.hidden = false;
    if (this.doc) {
      this.doc.destroy();
      this.doc = null;
    }
  }

  getPage(n) {
    let promise = this.pagePromises.get(n);
    if (!promise) {
      promise = this.doc.getPage(n);
      this.pagePromises.set(n, promise);
    }
    return promise;
  }

  getText(n) {
    let promise = this.texts.get(n);
    if (!promise) {
      promise = this.getPage(n).then((page) => page.getTextContent());
      this.texts.set(n, promise);
    }
    return promise;
  }

  /* -- Building the page column and the thumbnails ------------------------------------- */

  build(firstPage) {
    const { s } = this;
    const total = this.doc.numPages;
    const base = firstPage.getViewport({ scale: 1 });
    this.el.pageCount.textContent = format(s.pageOf, { total });
    const pagesFragment = document.createDocumentFragment();
    const thumbsFragment = document.createDocumentFragment();
    for (let n = 1; n <= total; n += 1) {
      const page = element("div", "pdfv-page");
      page.dataset.page = String(n);
      page.setAttribute("role", "group");
      page.setAttribute("aria-label", format(s.pageN, { n }));
      pagesFragment.append(page);
      const item = element("li");
      const thumb = element("button", "pdfv-thumb");
      thumb.type = "button";
      thumb.dataset.page = String(n);
      const frame = element("span", "pdfv-thumb-img");
      frame.setAttribute("aria-hidden", "true");
      thumb.append(frame, element("span", "pdfv-thumb-num", String(n)));
      item.append(thumb);
      thumbsFragment.append(item);
      this.pages.push({
        n,
        el: page,
        thumb,
        frame,
        width: base.width,
        height: base.height,
        sized: n === 1,
        canvas: null,
        drawnZoom: null,
        task: null,
        text: null,
        textDivs: null,
        textStrs: null,
        painted: [],
        error: false,
        thumbDone: false,
        notesButton: null,
      });
    }
    this.el.pages.append(pagesFragment);
    this.el.thumbList.append(thumbsFragment);
    this.pages.forEach((st) => this.labelThumb(st));

    const wide = window.matchMedia("(min-width: 62rem)").matches;
    const wider = window.matchMedia("(min-width: 75rem)").matches;
    this.setPanel("thumbs", wide, { focus: false });
    if (this.panels.notes) {
      this.setPanel("notes", wider, { focus: false });
    }
    this.zoom = this.fitZoom(true);
    this.applySizes();
    this.showZoom();
    this.bind();
    const initial = clamp(parseInt(this.root.dataset.initialPage, 10) || 1, 1, total);
    this.goToPage(initial);
  }

  /** Height of everything in the viewer above the pages, so the pages take the rest. */
  measureChrome() {
    const body = this.el.pages.parentElement;
    const chrome = this.root.offsetHeight - body.offsetHeight;
    if (chrome > 0) {
      this.root.style.setProperty("--pdfv-chrome", `${chrome}px`);
    }
  }

  /**
   * Touching or scrolling the pages while the viewer is cut off by the bottom of the window
   * first brings the whole viewer into the window: the pages are then read at full height.
   */
  alignViewer() {
    const rect = this.root.getBoundingClientRect();
    const overflow = rect.bottom - window.innerHeight;
    if (rect.top > 0 && overflow > 1) {
      window.scrollBy(0, Math.min(rect.top, overflow));
    }
  }

  bind() {
    const { el } = this;
    this.measureChrome();
    const chrome = new ResizeObserver(() => this.measureChrome());
    chrome.observe(this.root.querySelector(".pdfv-toolbar"));
    chrome.observe(el.search);
    const align = () => this.alignViewer();
    el.pages.addEventListener("touchstart", align, { passive: true });
    el.pages.addEventListener("focus", align);
    el.pages.addEventListener("wheel", align, { passive: true });
    this.pageObserver = new IntersectionObserver(
      (entries) => {
        entries.forEach((entry) => {
          const n = Number(entry.target.dataset.page);
          if (entry.isIntersecting) {
            this.visible.add(n);
          } else {
            this.visible.delete(n);
          }
        });
        this.scheduleRender();
      },
      { root: el.pages, rootMargin: "50% 0px" },
    );
    this.pages.forEach((st) => this.pageObserver.observe(st.el));
    if (this.panels.thumbs) {
      this.thumbObserver = new IntersectionObserver(
        (entries) => {
          entries.forEach((entry) => {
            const n = Number(entry.target.dataset.page);
            if (entry.isIntersecting) {
              this.thumbsVisible.add(n);
            } else {
              this.thumbsVisible.delete(n);
            }
          });
          this.scheduleRender();
        },
        { root: this.panels.thumbs, rootMargin: "100px 0px" },
      );
      this.pages.forEach((st) => this.thumbObserver.observe(st.thumb));
    }

    let scrollFrame = 0;
    el.pages.addEventListener("scroll", () => {
      if (!scrollFrame) {
        scrollFrame = requestAnimationFrame(() => {
          scrollFrame = 0;
          this.trackCurrent();
        });
      }
    });

    let resizeFrame = 0;
    let lastWidth = el.pages.clientWidth;
    new ResizeObserver(() => {
      if (resizeFrame) {
        return;
      }
      resizeFrame = requestAnimationFrame(() => {
        resizeFrame = 0;
        const width = el.pages.clientWidth;
        if (width !== lastWidth && width > 0) {
          lastWidth = width;
          if (this.zoomMode !== "custom") {
            this.setZoom(this.fitZoom(this.zoomMode === "auto"), this.zoomMode, false);
          }
        }
      });
    }).observe(el.pages);

    // Ctrl + wheel (and a touchpad pinch, which browsers report that way) zooms the pages.
    el.pages.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey && !event.metaKey) {
          return;
        }
        event.preventDefault();
        this.setZoom(this.zoom * Math.exp(-event.deltaY / 400));
      },
      { passive: false },
    );

    this.root.addEventListener("click", (event) => {
      const action = event.target.closest("[data-pdfv-action]");
      if (action && this.root.contains(action)) {
        this.onAction(action.dataset.pdfvAction, action);
        return;
      }
      const toggle = event.target.closest("[data-pdfv-toggle]");
      if (toggle) {
        const name = toggle.dataset.pdfvToggle;
        this.setPanel(name, this.panels[name].hidden);
        return;
      }
      const close = event.target.closest("[data-pdfv-close]");
      if (close) {
        this.setPanel(close.dataset.pdfvClose, false);
        return;
      }
      const thumb = event.target.closest(".pdfv-thumb");
      if (thumb) {
        this.goToPage(Number(thumb.dataset.page));
        if (this.isOverlay(this.panels.thumbs)) {
          this.setPanel("thumbs", false, { focus: false });
          el.pages.focus();
        }
        return;
      }
      const pageNotes = event.target.closest(".pdfv-page-notes");
      if (pageNotes && this.notes) {
        this.setPanel("notes", true, { focus: false });
        this.notes.focusPage(Number(pageNotes.dataset.page));
      }
    });

    el.thumbList.addEventListener("keydown", (event) => {
      const thumb = event.target.closest(".pdfv-thumb");
      if (!thumb) {
        return;
      }
      const n = Number(thumb.dataset.page);
      const moves = { ArrowDown: n + 1, ArrowUp: n - 1, Home: 1, End: this.pages.length };
      if (event.key in moves) {
        event.preventDefault();
        const target = this.pages[clamp(moves[event.key], 1, this.pages.length) - 1];
        target.thumb.focus();
      }
    });

    // Enter (or a phone keyboard's "Go") moves at once; "change" covers leaving the field.
    let entered = null;
    el.pageInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        entered = el.pageInput.value;
        this.submitPageInput();
      }
    });
    el.pageInput.addEventListener("change", () => {
      if (el.pageInput.value !== entered) {
        this.submitPageInput();
      }
      entered = null;
    });
    el.pageInput.addEventListener("blur", () => {
      el.pageInput.value = String(this.current);
      el.pageInput.removeAttribute("aria-invalid");
    });

    el.search.addEventListener("submit", (event) => event.preventDefault());
    el.searchInput.addEventListener("input", () => {
      clearTimeout(this.searchTimer);
      const raw = el.searchInput.value;
      this.searchTimer = setTimeout(() => {
        if (foldQuery(raw).length >= SEARCH_MIN_AUTO || raw.trim() === "") {
          this.runSearch(raw);
        }
      }, SEARCH_DELAY_MS);
    });
    el.searchInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") {
        return;
      }
      event.preventDefault();
      clearTimeout(this.searchTimer);
      const query = foldQuery(el.searchInput.value);
      if (query && query === this.query && this.hits.length) {
        this.stepHit(event.shiftKey ? -1 : 1);
      } else {
        this.runSearch(el.searchInput.value);
      }
    });

    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  onAction(action, button) {
    if (button.getAttribute("aria-disabled") === "true") {
      return;
    }
    switch (action) {
      case "prev-page":
      case "next-page": {
        const n = this.current + (action === "next-page" ? 1 : -1);
        if (n >= 1 && n <= this.pages.length) {
          this.goToPage(n);
          this.say(format(this.s.pageAnnounce, { n, total: this.pages.length }));
        }
        break;
      }
      case "zoom-in":
        this.zoomStep(1);
        break;
      case "zoom-out":
        this.zoomStep(-1);
        break;
      case "fit-width":
        this.setZoom(this.fitZoom(false), "fit");
        break;
      case "next-hit":
        this.stepHit(1);
        break;
      case "prev-hit":
        this.stepHit(-1);
        break;
      default:
        break;
    }
  }

  onKey(event) {
    if (!this.doc || event.defaultPrevented) {
      return;
    }
    const target = event.target;
    const inside = this.root.contains(target);
    if (!inside && target !== document.body) {
      return;
    }
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "f") {
      if (inside) {
        event.preventDefault();
        this.el.searchInput.focus();
        this.el.searchInput.select();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const editable = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "Escape" && !(editable && target.tagName === "TEXTAREA")) {
      for (const name of Object.keys(this.panels)) {
        const panel = this.panels[name];
        if (!panel.hidden && this.isOverlay(panel)) {
          event.preventDefault();
          this.setPanel(name, false);
          return;
        }
      }
      return;
    }
    if (editable) {
      return;
    }
    if (event.key === "+" || event.key === "=") {
      event.preventDefault();
      this.zoomStep(1);
    } else if (event.key === "-" || event.key === "_") {
      event.preventDefault();
      this.zoomStep(-1);
    }
  }

  say(text) {
    const region = this.el.announce;
    region.textContent = "";
    window.setTimeout(() => {
      region.textContent = text;
    }, 50);
  }

  /* -- Panels -------------------------------------------------------------------------- */

  isOverlay(panel) {
    return Boolean(panel) && getComputedStyle(panel).position === "absolute";
  }

  setPanel(name, open, { focus = true } = {}) {
    const panel = this.panels[name];
    const toggle = this.toggles[name];
    if (!panel) {
      return;
    }
    if (open && this.isOverlay(panel)) {
      Object.keys(this.panels).forEach((other) => {
        if (other !== name && !this.panels[other].hidden) {
          this.setPanel(other, false, { focus: false });
        }
      });
    }
    const hadFocus = panel.contains(document.activeElement);
    panel.hidden = !open;
    if (toggle) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    if (open) {
      if (name === "thumbs") {
        this.revealThumb(this.current);
      }
      if (focus && this.isOverlay(panel)) {
        const first =
          name === "thumbs"
            ? this.pages[this.current - 1] && this.pages[this.current - 1].thumb
            : panel.querySelector("textarea, button, [href], input");
        if (first) {
          first.focus();
        }
      }
    } else if (hadFocus && toggle) {
      toggle.focus();
    }
  }

  /* -- Zoom and sizes ------------------------------------------------------------------ */

  fitZoom(capped) {
    const box = this.el.pages;
    const style = getComputedStyle(box);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const available = Math.max(100, box.clientWidth - padding);
    const st = this.pages[this.current - 1] || this.pages[0];
    const fit = available / (st.width * CSS_UNITS);
    return clamp(capped ? Math.min(fit, AUTO_ZOOM_MAX) : fit, MIN_ZOOM, MAX_ZOOM);
  }

  zoomStep(direction) {
    const now = this.zoom;
    let next;
    if (direction > 0) {
      next = ZOOM_STEPS.find((step) => step > now + 0.005) || MAX_ZOOM;
    } else {
      next = [...ZOOM_STEPS].reverse().find((step) => step < now - 0.005) || MIN_ZOOM;
    }
    this.setZoom(next);
  }

  setZoom(value, mode = "custom", announce = true) {
    const zoom = clamp(Math.round(value * 1000) / 1000, MIN_ZOOM, MAX_ZOOM);
    this.zoomMode = mode;
    if (Math.abs(zoom - this.zoom) < 0.001) {
      return;
    }
    const anchor = this.anchor(true);
    this.zoom = zoom;
    this.pages.forEach((st) => {
      if (st.task) {
        st.task.cancel();
      }
    });
    this.applySizes();
    this.restore(anchor);
    this.showZoom();
    if (announce) {
      this.say(format(this.s.zoomAnnounce, { percent: `${Math.round(zoom * 100)}%` }));
    }
    this.scheduleRender();
  }

  showZoom() {
    this.el.zoomLevel.textContent = `${Math.round(this.zoom * 100)}%`;
    const out = this.root.querySelector('[data-pdfv-action="zoom-out"]');
    const into = this.root.querySelector('[data-pdfv-action="zoom-in"]');
    out.setAttribute("aria-disabled", this.zoom <= MIN_ZOOM + 0.001 ? "true" : "false");
    into.setAttribute("aria-disabled", this.zoom >= MAX_ZOOM - 0.001 ? "true" : "false");
  }

  applySizes() {
    const scale = this.zoom * CSS_UNITS;
    this.el.pages.style.setProperty("--total-scale-factor", String(scale));
    this.pages.forEach((st) => this.sizePage(st));
  }

  sizePage(st) {
    const scale = this.zoom * CSS_UNITS;
    st.el.style.width = `${Math.floor(st.width * scale)}px`;
    st.el.style.height = `${Math.floor(st.height * scale)}px`;
    st.frame.style.aspectRatio = `${st.width} / ${st.height}`;
  }

  /**
   * Where the reader is: the current page and how far into it the top of the view is; with
   * ``horizontal``, also the middle of the view across (a zoom keeps that middle in place).
   */
  anchor(horizontal = false) {
    const st = this.pages[this.current - 1];
    const box = this.el.pages;
    const height = st.el.offsetHeight || 1;
    return {
      st,
      y: (box.scrollTop - st.el.offsetTop) / height,
      x: horizontal ? (box.scrollLeft + box.clientWidth / 2) / box.scrollWidth : null,
    };
  }

  restore(anchor) {
    const box = this.el.pages;
    box.scrollTop = anchor.st.el.offsetTop + anchor.y * anchor.st.el.offsetHeight;
    if (anchor.x !== null) {
      box.scrollLeft = anchor.x * box.scrollWidth - box.clientWidth / 2;
    }
    this.pinned = { n: anchor.st.n, top: box.scrollTop };
  }

  /** Real sizes of every page (a document may mix portrait and landscape), in the background. */
  async loadPageSizes() {
    const batch = 25;
    for (let start = 2; start <= this.pages.length; start += batch) {
      const end = Math.min(this.pages.length, start + batch - 1);
      const pages = [];
      for (let n = start; n <= end; n += 1) {
        pages.push(this.getPage(n));
      }
      let loaded;
      try {
        loaded = await Promise.all(pages);
      } catch (error) {
        console.warn("document viewer: page size", error);
        return;
      }
      if (!this.doc) {
        return;
      }
      const anchor = this.anchor();
      let changed = false;
      loaded.forEach((page, i) => {
        const st = this.pages[start - 1 + i];
        const viewport = page.getViewport({ scale: 1 });
        st.sized = true;
        if (viewport.width !== st.width || viewport.height !== st.height) {
          st.width = viewport.width;
          st.height = viewport.height;
          this.sizePage(st);
          changed = true;
        }
      });
      if (changed) {
        this.restore(anchor);
      }
    }
  }

  /* -- Moving around ------------------------------------------------------------------- */

  pageTop(st) {
    const style = getComputedStyle(this.el.pages);
    return Math.max(0, st.el.offsetTop - parseFloat(style.paddingTop));
  }

  goToPage(n) {
    const st = this.pages[clamp(n, 1, this.pages.length) - 1];
    const box = this.el.pages;
    box.scrollTop = this.pageTop(st);
    this.pinned = { n: st.n, top: box.scrollTop };
    this.setCurrent(st.n);
  }

  trackCurrent() {
    const box = this.el.pages;
    if (this.pinned && Math.abs(box.scrollTop - this.pinned.top) < 2) {
      this.setCurrent(this.pinned.n);
      return;
    }
    this.pinned = null;
    const top = box.scrollTop;
    let n = 1;
    let low = 0;
    let high = this.pages.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.pageTop(this.pages[mid]) <= top + 2) {
        n = mid + 1;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (top + box.clientHeight >= box.scrollHeight - 2) {
      // At the very end the last pages can never reach the top: take the last one begun.
      for (let i = this.pages.length; i > n; i -= 1) {
        if (this.pages[i - 1].el.offsetTop < top + box.clientHeight / 2) {
          n = i;
          break;
        }
      }
    }
    this.setCurrent(n);
  }

  setCurrent(n) {
    const changed = n !== this.current;
    const old = this.pages[this.current - 1];
    this.current = n;
    if (document.activeElement !== this.el.pageInput) {
      this.el.pageInput.value = String(n);
    }
    if (old) {
      old.thumb.removeAttribute("aria-current");
    }
    this.pages[n - 1].thumb.setAttribute("aria-current", "page");
    this.el.prevPage.setAttribute("aria-disabled", n <= 1 ? "true" : "false");
    this.el.nextPage.setAttribute("aria-disabled", n >= this.pages.length ? "true" : "false");
    if (changed) {
      this.revealThumb(n);
      this.scheduleRender();
    }
    if (this.notes) {
      this.notes.pageChanged(n);
    }
  }

  revealThumb(n) {
    const panel = this.panels.thumbs;
    if (!panel || panel.hidden) {
      return;
    }
    const thumb = this.pages[n - 1].thumb;
    const top = thumb.offsetTop;
    const bottom = top + thumb.offsetHeight;
    if (top < panel.scrollTop || bottom > panel.scrollTop + panel.clientHeight) {
      panel.scrollTop = top - panel.clientHeight / 3;
    }
  }

  submitPageInput() {
    const input = this.el.pageInput;
    const total = this.pages.length;
    const n = Number(input.value.trim());
    if (Number.isInteger(n) && n >= 1 && n <= total) {
      input.removeAttribute("aria-invalid");
      if (n !== this.current) {
        this.goToPage(n);
      }
      this.say(format(this.s.pageAnnounce, { n, total }));
    } else {
      input.setAttribute("aria-invalid", "true");
      this.say(format(this.s.pageInvalid, { total }));
    }
  }

  /* -- Drawing ------------------------------------------------------------------------- */

  scheduleRender() {
    if (this.renderQueued) {
      return;
    }
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderLoop();
    });
  }

  async renderLoop() {
    if (this.renderRunning) {
      this.renderAgain = true;
      return;
    }
    this.renderRunning = true;
    try {
      for (;;) {
        const job = this.nextJob();
        if (!job) {
          break;
        }
        if (job.kind === "page") {
          await this.renderPage(job.st);
        } else {
          await this.renderThumb(job.st);
        }
      }
    } finally {
      this.renderRunning = false;
    }
    if (this.renderAgain) {
      this.renderAgain = false;
      this.scheduleRender();
    }
  }

  nextJob() {
    if (!this.doc) {
      return null;
    }
    const near = (a, b) => Math.abs(a - this.current) - Math.abs(b - this.current);
    const pages = [...this.visible]
      .filter((n) => {
        const st = this.pages[n - 1];
        return !st.error && st.drawnZoom !== this.zoom;
      })
      .sort(near);
    if (pages.length) {
      return { kind: "page", st: this.pages[pages[0] - 1] };
    }
    if (this.panels.thumbs && !this.panels.thumbs.hidden) {
      const thumbs = [...this.thumbsVisible]
        .filter((n) => !this.pages[n - 1].thumbDone)
        .sort(near);
      if (thumbs.length) {
        return { kind: "thumb", st: this.pages[thumbs[0] - 1] };
      }
    }
    return null;
  }

  outputScale(width, height) {
    const ratio = window.devicePixelRatio || 1;
    const limit = Math.sqrt(MAX_CANVAS_PIXELS / Math.max(1, width * height));
    return Math.max(0.5, Math.min(ratio, limit));
  }

  async renderPage(st) {
    const zoom = this.zoom;
    try {
      const page = await this.getPage(st.n);
      if (!st.sized) {
        const base = page.getViewport({ scale: 1 });
        st.sized = true;
        if (base.width !== st.width || base.height !== st.height) {
          const anchor = this.anchor();
          st.width = base.width;
          st.height = base.height;
          this.sizePage(st);
          this.restore(anchor);
        }
      }
      const viewport = page.getViewport({ scale: zoom * CSS_UNITS });
      const ratio = this.outputScale(viewport.width, viewport.height);
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.setAttribute("aria-hidden", "true");
      st.task = page.render({
        canvas,
        viewport,
        transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
      });
      await st.task.promise;
      st.task = null;
      if (st.canvas) {
        st.canvas.width = 0;
        st.canvas.remove();
      }
      st.el.prepend(canvas);
      st.canvas = canvas;
      st.drawnZoom = zoom;
      this.drawn.delete(st);
      this.drawn.add(st);
      if (!st.thumbDone) {
        this.thumbFromCanvas(st);
      }
      this.evict();
      await this.ensureTextLayer(st);
    } catch (error) {
      st.task = null;
      if (error && error.name === "RenderingCancelledException") {
        return;
      }
      console.error(`document viewer: page ${st.n}`, error);
      st.error = true;
      const message = element("p", "pdfv-page-error", format(this.s.pageFailed, { n: st.n }));
      st.el.append(message);
    }
  }

  /** Drop the drawings farthest from the current page, keeping the visible ones. */
  evict() {
    if (this.drawn.size <= KEEP_DRAWN + this.visible.size) {
      return;
    }
    const candidates = [...this.drawn]
      .filter((st) => !this.visible.has(st.n))
      .sort((a, b) => Math.abs(b.n - this.current) - Math.abs(a.n - this.current));
    while (this.drawn.size > KEEP_DRAWN + this.visible.size && candidates.length) {
      const st = candidates.shift();
      st.canvas.width = 0;
      st.canvas.remove();
      st.canvas = null;
      st.drawnZoom = null;
      this.drawn.delete(st);
    }
  }

  ensureTextLayer(st) {
    if (!st.text) {
      st.text = (async () => {
        const page = await this.getPage(st.n);
        const content = await this.getText(st.n);
        const layer = element("div", "pdfv-text");
        const textLayer = new this.pdfjs.TextLayer({
          textContentSource: content,
          container: layer,
          viewport: page.getViewport({ scale: this.zoom * CSS_UNITS }),
        });
        await textLayer.render();
        st.el.append(layer);
        st.textDivs = textLayer.textDivs;
        st.textStrs = textLayer.textContentItemsStr;
        this.paintHits(st);
      })().catch((error) => {
        console.warn(`document viewer: text of page ${st.n}`, error);
      });
    }
    return st.text;
  }

  labelThumb(st) {
    const count = this.notesByPage.get(st.n) || 0;
    let label = format(this.s.pageN, { n: st.n });
    if (count) {
      label += `, ${this.s.thumbHasNotes}`;
    }
    st.thumb.setAttribute("aria-label", label);
    let marker = st.thumb.querySelector(".pdfv-thumb-note");
    if (count && !marker) {
      marker = element("span", "pdfv-thumb-note");
      marker.setAttribute("aria-hidden", "true");
      marker.append(svgIcon(NOTE_ICON));
      st.thumb.append(marker);
    } else if (!count && marker) {
      marker.remove();
    }
  }

  thumbCanvas(st) {
    let canvas = st.frame.querySelector("canvas");
    if (!canvas) {
      canvas = document.createElement("canvas");
      st.frame.append(canvas);
    }
    const width = st.frame.clientWidth || 120;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round((width * ratio * st.height) / st.width);
    return canvas;
  }

  thumbFromCanvas(st) {
    if (!this.panels.thumbs || this.panels.thumbs.hidden || !st.canvas) {
      return;
    }
    const canvas = this.thumbCanvas(st);
    const context = canvas.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(st.canvas, 0, 0, canvas.width, canvas.height);
    st.thumbDone = true;
  }

  async renderThumb(st) {
    st.thumbDone = true;
    if (st.canvas) {
      this.thumbFromCanvas(st);
      return;
    }
    try {
      const page = await this.getPage(st.n);
      const base = page.getViewport({ scale: 1 });
      if (base.width !== st.width || base.height !== st.height) {
        st.width = base.width;
        st.height = base.height;
        this.sizePage(st);
      }
      const canvas = this.thumbCanvas(st);
      const viewport = page.getViewport({ scale: canvas.width / base.width });
      await page.render({ canvas, viewport }).promise;
    } catch (error) {
      console.warn(`document viewer: thumbnail ${st.n}`, error);
    }
  }

  /* -- Search -------------------------------------------------------------------------- */

  async runSearch(raw) {
    const query = foldQuery(raw);
    const token = ++this.searchToken;
    this.query = query;
    this.clearHits();
    const count = this.el.searchCount;
    count.classList.remove("is-none");
    if (!query) {
      count.textContent = "";
      this.enableHitButtons(false);
      return;
    }
    count.textContent = this.s.searchBusy;
    const hits = [];
    try {
      for (let n = 1; n <= this.pages.length; n += 1) {
        let index = this.indexes.get(n);
        if (!index) {
          const content = await this.getText(n);
          index = indexPage(content.items);
          this.indexes.set(n, index);
        }
        if (token !== this.searchToken) {
          return;
        }
        findInPage(index, query).forEach((ranges) => hits.push({ page: n, ranges }));
      }
    } catch (error) {
      console.error("document viewer: search", error);
      count.textContent = this.s.searchFailed;
      return;
    }
    this.hits = hits;
    hits.forEach((hit, i) => {
      hit.index = i;
      if (!this.hitsByPage.has(hit.page)) {
        this.hitsByPage.set(hit.page, []);
      }
      this.hitsByPage.get(hit.page).push(hit);
    });
    this.enableHitButtons(hits.length > 0);
    if (!hits.length) {
      const noText = [...this.indexes.values()].every((index) => !index.text.trim());
      count.textContent = noText ? this.s.searchNoText : this.s.searchNone;
      count.classList.add("is-none");
      return;
    }
    const from = hits.findIndex((hit) => hit.page >= this.current);
    this.hitIndex = from === -1 ? 0 : from;
    this.pages.forEach((st) => this.paintHits(st));
    await this.showHit();
  }

  enableHitButtons(enabled) {
    this.el.prevHit.disabled = !enabled;
    this.el.nextHit.disabled = !enabled;
  }

  clearHits() {
    const painted = this.pages.filter((st) => st.painted.length);
    this.hits = [];
    this.hitsByPage = new Map();
    this.hitIndex = -1;
    painted.forEach((st) => this.paintHits(st));
  }

  stepHit(direction) {
    if (!this.hits.length) {
      return;
    }
    const old = this.hits[this.hitIndex];
    this.hitIndex = (this.hitIndex + direction + this.hits.length) % this.hits.length;
    if (old) {
      this.paintHits(this.pages[old.page - 1]);
    }
    this.showHit();
  }

  async showHit() {
    const hit = this.hits[this.hitIndex];
    if (!hit) {
      return;
    }
    const total = this.hits.length;
    const current = this.hitIndex + 1;
    this.el.searchCount.textContent = format(this.s.searchCount, { current, total });
    const st = this.pages[hit.page - 1];
    if (hit.page !== this.current) {
      this.goToPage(hit.page);
    }
    await this.ensureTextLayer(st);
    if (this.hits[this.hitIndex] !== hit) {
      return;
    }
    this.paintHits(st);
    const mark = st.el.querySelector(".pdfv-hit.is-current");
    if (mark) {
      const box = this.el.pages;
      const boxRect = box.getBoundingClientRect();
      const rect = mark.getBoundingClientRect();
      box.scrollTop += rect.top - boxRect.top - box.clientHeight / 3;
      if (rect.left < boxRect.left || rect.right > boxRect.right) {
        box.scrollLeft += rect.left - boxRect.left - box.clientWidth / 4;
      }
      this.pinned = { n: hit.page, top: box.scrollTop };
      this.setCurrent(hit.page);
    }
    this.say(format(this.s.searchAnnounce, { current, total, n: hit.page }));
  }

  /** Wrap this page's hits in the text layer in marks; the current one is framed. */
  paintHits(st) {
    if (!st.textDivs) {
      return;
    }
    st.painted.forEach((idx) => {
      st.textDivs[idx].textContent = st.textStrs[idx];
    });
    st.painted = [];
    const hits = this.hitsByPage.get(st.n);
    if (!hits) {
      return;
    }
    const byItem = new Map();
    hits.forEach((hit) => {
      hit.ranges.forEach((range) => {
        if (!byItem.has(range.item)) {
          byItem.set(range.item, []);
        }
        byItem.get(range.item).push({ ...range, current: hit.index === this.hitIndex });
      });
    });
    byItem.forEach((ranges, idx) => {
      const div = st.textDivs[idx];
      const str = st.textStrs[idx];
      if (!div || str === undefined) {
        return;
      }
      ranges.sort((a, b) => a.from - b.from);
      div.textContent = "";
      let pos = 0;
      ranges.forEach((range) => {
        const to = Math.min(range.to, str.length);
        if (range.from >= to) {
          return;
        }
        if (range.from > pos) {
          div.append(str.slice(pos, range.from));
        }
        const mark = element("span", range.current ? "pdfv-hit is-current" : "pdfv-hit");
        mark.textContent = str.slice(range.from, to);
        div.append(mark);
        pos = to;
      });
      if (pos < str.length) {
        div.append(str.slice(pos));
      }
      st.painted.push(idx);
    });
  }

  /* -- Notes on pages ------------------------------------------------------------------ */

  /** Counts of my notes per page: markers on the thumbnails and on the pages. */
  setNoteCounts(counts) {
    this.notesByPage = counts;
    this.pages.forEach((st) => {
      this.labelThumb(st);
      const count = counts.get(st.n) || 0;
      if (count && !st.notesButton) {
        const button = element("button", "pdfv-btn pdfv-page-notes");
        button.type = "button";
        button.dataset.page = String(st.n);
        button.append(svgIcon(NOTE_ICON), element("span", "pdfv-page-notes-count"));
        st.el.append(button);
        st.notesButton = button;
      }
      if (count) {
        st.notesButton.querySelector(".pdfv-page-notes-count").textContent = String(count);
        const label = format(this.s.pageNotes, { total: count, n: st.n });
        st.notesButton.setAttribute("aria-label", label);
      } else if (st.notesButton) {
        st.notesButton.remove();
        st.notesButton = null;
      }
    });
  }
}

/* ---- Private notes ----------------------------------------------------------------------- */

class NoteError extends Error {}

class Notes {
  constructor(viewer) {
    this.viewer = viewer;
    this.s = viewer.s;
    const root = viewer.root;
    this.url = root.dataset.notesUrl;
    this.csrf = root.dataset.csrf || "";
    this.panel = root.querySelector("#pdfv-notes");
    this.form = root.querySelector("[data-pdfv-note-form]");
    this.text = root.querySelector("[data-pdfv-note-text]");
    this.scopePage = root.querySelector("[data-pdfv-scope-page]");
    this.scopeLabel = root.querySelector("[data-pdfv-scope-page-label]");
    this.error = root.querySelector("[data-pdfv-note-error]");
    this.status = root.querySelector("[data-pdfv-notes-status]");
    this.list = root.querySelector("[data-pdfv-note-list]");
    this.badge = root.querySelector("[data-pdfv-note-count]");
    this.notes = [];
    this.loaded = false;
    this.busy = false;
    this.editing = new Map(); // note id -> draft text (kept across re-drawing the list)
    this.confirming = null;
    this.errors = new Map(); // note id -> message shown on that note
  }

  start() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    this.text.addEventListener("input", () => {
      if (this.error.textContent) {
        this.setFormError("");
      }
    });
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("input", (event) => {
      const area = event.target.closest("textarea[data-note-draft]");
      if (area) {
        this.editing.set(Number(area.dataset.noteDraft), area.value);
      }
    });
    this.load();
  }

  pageChanged(n) {
    this.scopeLabel.textContent = format(this.s.scopePage, { n });
  }

  endpoint(id) {
    const base = this.url.endsWith("/") ? this.url : `${this.url}/`;
    return id === undefined ? this.url : `${base}${id}/`;
  }

  async request(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["X-CSRFToken"] = this.csrf;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual", // a redirect here means the session ended (to the login page)
      });
    } catch (error) {
      throw new NoteError(this.s.errorNetwork);
    }
    if (response.type === "opaqueredirect" || response.status === 401) {
      throw new NoteError(this.s.errorSession);
    }
    if (response.status === 204) {
      return null;
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.ok && data) {
      return data;
    }
    if (data && typeof data.error === "string" && data.error) {
      throw new NoteError(data.error);
    }
    if (response.status === 403) {
      throw new NoteError(this.s.errorSession);
    }
    if (response.status === 404) {
      const missing = new NoteError(this.s.errorMissing);
      missing.missing = true;
      throw missing;
    }
    throw new NoteError(this.s.errorServer);
  }

  async load() {
    this.list.setAttribute("aria-busy", "true");
    this.list.replaceChildren(element("p", "pdfv-empty", this.s.notesLoading));
    try {
      const data = await this.request("GET", this.endpoint());
      this.notes = Array.isArray(data.notes) ? data.notes : [];
      this.loaded = true;
      this.render();
    } catch (error) {
      const message = element("p", "pdfv-error", this.s.notesLoadFailed);
      const retry = element("button", "btn btn-secondary", this.s.retry);
      retry.type = "button";
      retry.dataset.noteAction = "reload";
      const actions = element("div", "pdfv-form-actions");
      actions.append(retry);
      this.list.replaceChildren(message, actions);
    } finally {
      this.list.setAttribute("aria-busy", "false");
    }
  }

  setFormError(message) {
    this.error.textContent = message;
    if (message) {
      this.text.setAttribute("aria-invalid", "true");
    } else {
      this.text.removeAttribute("aria-invalid");
    }
  }

  tell(message) {
    this.status.textContent = "";
    window.setTimeout(() => {
      this.status.textContent = message;
    }, 50);
  }

  async create() {
    if (this.busy) {
      return;
    }
    const text = this.text.value;
    if (!text.trim()) {
      this.setFormError(this.s.emptyText);
      this.text.focus();
      return;
    }
    const page = this.scopePage.checked ? this.viewer.current : null;
    const submit = this.form.querySelector('[type="submit"]');
    this.busy = true;
    submit.setAttribute("aria-disabled", "true");
    this.form.setAttribute("aria-busy", "true");
    try {
      const data = await this.request("POST", this.endpoint(), { page, text });
      this.notes.push(data.note);
      this.text.value = "";
      this.setFormError("");
      this.render();
      this.tell(this.s.saved);
    } catch (error) {
      // The text stays in the box: nothing typed is lost.
      this.setFormError(error instanceof NoteError ? error.message : this.s.errorServer);
    } finally {
      this.busy = false;
      submit.removeAttribute("aria-disabled");
      this.form.setAttribute("aria-busy", "false");
    }
  }

  async onListClick(event) {
    const button = event.target.closest("[data-note-action]");
    if (button) {
      const item = button.closest("[data-note-id]");
      const id = item ? Number(item.dataset.noteId) : null;
      await this.act(button.dataset.noteAction, id, button);
      return;
    }
    const goto = event.target.closest("[data-goto-page]");
    if (goto) {
      const n = Number(goto.dataset.gotoPage);
      this.viewer.goToPage(n);
      if (this.viewer.isOverlay(this.panel)) {
        this.viewer.setPanel("notes", false, { focus: false });
        this.viewer.el.pages.focus();
      }
    }
  }

  async act(action, id, button) {
    const note = this.notes.find((entry) => entry.id === id);
    if (!note && action !== "reload") {
      return;
    }
    switch (action) {
      case "reload":
        await this.load();
        break;
      case "edit":
        this.editing.set(id, note.text);
        this.errors.delete(id);
        this.render(`[data-note-draft="${id}"]`);
        break;
      case "cancel":
        this.editing.delete(id);
        this.errors.delete(id);
        this.render(`[data-note-id="${id}"] [data-note-action="edit"]`);
        break;
      case "save":
        await this.save(note, button);
        break;
      case "delete":
        this.confirming = id;
        this.errors.delete(id);
        this.render(`[data-note-id="${id}"] .pdfv-note-confirm`);
        break;
      case "keep":
        this.confirming = null;
        this.render(`[data-note-id="${id}"] [data-note-action="delete"]`);
        break;
      case "confirm-delete":
        await this.remove(note, button);
        break;
      default:
        break;
    }
  }

  async save(note, button) {
    if (this.busy) {
      return;
    }
    const text = this.editing.get(note.id) || "";
    if (!text.trim()) {
      this.errors.set(note.id, this.s.emptyText);
      this.render(`[data-note-draft="${note.id}"]`);
      return;
    }
    this.busy = true;
    button.setAttribute("aria-disabled", "true");
    try {
      const data = await this.request("PATCH", this.endpoint(note.id), { text });
      Object.assign(note, data.note);
      this.editing.delete(note.id);
      this.errors.delete(note.id);
      this.render(`[data-note-id="${note.id}"] [data-note-action="edit"]`);
      this.tell(this.s.saved);
    } catch (error) {
      this.errors.set(note.id, error instanceof NoteError ? error.message : this.s.errorServer);
      this.render(`[data-note-draft="${note.id}"]`);
    } finally {
      this.busy = false;
    }
  }

  async remove(note, button) {
    if (this.busy) {
      return;
    }
    this.busy = true;
    button.setAttribute("aria-disabled", "true");
    const order = this.sorted();
    const position = order.indexOf(note);
    try {
      try {
        await this.request("DELETE", this.endpoint(note.id));
      } catch (error) {
        if (!error.missing) {
          throw error;
        }
        // Already gone (deleted in another window): the list simply catches up.
      }
      this.notes = this.notes.filter((entry) => entry !== note);
      this.confirming = null;
      this.editing.delete(note.id);
      const next = order[position + 1] || order[position - 1];
      this.render(
        next ? `[data-note-id="${next.id}"] [data-note-action="edit"]` : "#pdfv-note-text",
      );
      this.tell(this.s.deleted);
    } catch (error) {
      this.errors.set(note.id, error instanceof NoteError ? error.message : this.s.errorDelete);
      this.render(`[data-note-id="${note.id}"] [data-note-action="confirm-delete"]`);
    } finally {
      this.busy = false;
    }
  }

  sorted() {
    return [...this.notes].sort((a, b) => {
      const pa = a.page === null ? 0 : a.page;
      const pb = b.page === null ? 0 : b.page;
      return pa - pb || a.id - b.id;
    });
  }

  /** Draw the list (grouped: the whole document first, then page by page), then focus. */
  render(focusSelector) {
    const { s } = this;
    const counts = new Map();
    this.notes.forEach((note) => {
      if (note.page !== null) {
        counts.set(note.page, (counts.get(note.page) || 0) + 1);
      }
    });
    this.viewer.setNoteCounts(counts);
    this.badge.textContent = String(this.notes.length);
    this.badge.hidden = this.notes.length === 0;

    const fragment = document.createDocumentFragment();
    if (!this.notes.length) {
      fragment.append(element("p", "pdfv-empty", s.notesEmpty));
    }
    let group = null;
    let groupKey;
    this.sorted().forEach((note) => {
      const key = note.page === null ? "doc" : note.page;
      if (key !== groupKey) {
        groupKey = key;
        const heading = element("h4");
        if (note.page === null) {
          heading.textContent = s.wholeDocument;
        } else {
          const goto = element("button", "link-button", format(s.pageN, { n: note.page }));
          goto.type = "button";
          goto.dataset.gotoPage = String(note.page);
          goto.title = format(s.goToPage, { n: note.page });
          heading.append(goto);
        }
        heading.dataset.notesPage = String(key);
        heading.tabIndex = -1;
        group = element("ul");
        fragment.append(heading, group);
      }
      group.append(this.renderNote(note));
    });
    this.list.replaceChildren(fragment);
    if (focusSelector) {
      const target =
        this.list.querySelector(focusSelector) || this.panel.querySelector(focusSelector);
      if (target) {
        target.focus();
      }
    }
  }

  renderNote(note) {
    const { s } = this;
    const item = element("li", "pdfv-note");
    item.dataset.noteId = String(note.id);
    const textId = `pdfv-note-${note.id}`;
    const errorText = this.errors.get(note.id) || "";
    if (this.editing.has(note.id)) {
      const label = element("label", "visually-hidden", s.editLabel);
      label.htmlFor = `pdfv-note-edit-${note.id}`;
      const area = element("textarea");
      area.id = label.htmlFor;
      area.rows = 4;
      area.maxLength = 5000;
      area.value = this.editing.get(note.id);
      area.dataset.noteDraft = String(note.id);
      const error = element("p", "pdfv-error", errorText);
      error.id = `pdfv-note-error-${note.id}`;
      error.setAttribute("role", "alert");
      area.setAttribute("aria-describedby", error.id);
      if (errorText) {
        area.setAttribute("aria-invalid", "true");
      }
      const actions = element("div", "actions pdfv-form-actions");
      actions.append(
        this.button(s.save, "save", "btn btn-primary"),
        this.button(s.cancel, "cancel", "btn btn-secondary"),
      );
      item.append(label, area, error, actions);
      return item;
    }
    const text = element("p", "pdfv-note-text", note.text);
    text.id = textId;
    const meta = element("p", "pdfv-note-meta");
    const when = formatDateTime(note.updated_at, this.viewer.lang);
    const time = element("time", "", format(s.updated, { time: when }));
    time.dateTime = note.updated_at;
    meta.append(time);
    item.append(text, meta);
    if (this.confirming === note.id) {
      const question = element("p", "pdfv-note-confirm", s.confirmDelete);
      question.tabIndex = -1;
      const error = element("p", "pdfv-error", errorText);
      error.setAttribute("role", "alert");
      const actions = element("div", "actions");
      actions.append(
        this.button(s.confirmYes, "confirm-delete", "btn btn-danger", textId),
        this.button(s.confirmNo, "keep", "btn btn-secondary"),
      );
      item.append(question, error, actions);
      return item;
    }
    const actions = element("div", "actions");
    actions.append(
      this.button(s.edit, "edit", "btn btn-secondary", textId),
      this.button(s.delete, "delete", "btn btn-secondary", textId),
    );
    item.append(actions);
    return item;
  }

  button(label, action, className, describedBy) {
    const button = element("button", className, label);
    button.type = "button";
    button.dataset.noteAction = action;
    if (describedBy) {
      button.setAttribute("aria-describedby", describedBy);
    }
    return button;
  }

  /** Show this page's notes (from a page's note marker). */
  focusPage(n) {
    const heading = this.list.querySelector(`[data-notes-page="${n}"]`);
    if (heading) {
      const head = this.panel.querySelector(".pdfv-panel-head");
      const offset = heading.getBoundingClientRect().top - this.panel.getBoundingClientRect().top;
      this.panel.scrollTop += offset - (head ? head.offsetHeight : 0) - 8;
      heading.focus({ preventScroll: true });
    } else {
      this.text.focus();
    }
  }
}

document.querySelectorAll("[data-pdf-viewer]").forEach((root) => {
  new Viewer(root).start();
});
