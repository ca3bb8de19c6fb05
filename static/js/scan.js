// The door's scanner page: a handheld (keyboard-wedge) scanner or typed codes, and a search for
// lost badges. Every answer fills the screen for a moment: green OK, amber already, red refused.
(function () {
  "use strict";
  const root = document.getElementById("scanner");
  if (!root) return;
  const input = document.getElementById("scan-input");
  const answer = document.getElementById("answer");
  const deviceLabel = document.getElementById("device-name");
  const DEVICE_KEY = "tsudoi-device";
  let hideTimer = null;

  function device() {
    let name = localStorage.getItem(DEVICE_KEY);
    if (!name) {
      name = (window.prompt(root.dataset.labelDevice, "door-A") || "door").slice(0, 64);
      localStorage.setItem(DEVICE_KEY, name);
    }
    deviceLabel.textContent = name;
    return name;
  }

  function scanId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).slice(0, 64);
  }

  function beep(ok) {
    try {
      const context = new (window.AudioContext || window.webkitAudioContext)();
      const tone = context.createOscillator();
      tone.frequency.value = ok ? 880 : 220;
      tone.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + (ok ? 0.12 : 0.35));
    } catch (error) { /* no sound here */ }
    if (navigator.vibrate) navigator.vibrate(ok ? 60 : [120, 60, 120]);
  }

  function show(kind, title, name, detail, due) {
    answer.className = "answer answer-" + kind;
    document.getElementById("answer-title").textContent = title;
    document.getElementById("answer-name").textContent = name || "";
    document.getElementById("answer-detail").textContent = detail || "";
    const owed = document.getElementById("answer-due");
    owed.textContent = due || "";
    owed.hidden = !due;
    answer.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { answer.hidden = true; input.focus(); }, kind === "ok" ? 1500 : 3000);
  }

  // Where the session counts exits: who is inside now, and whether this door counts in or out.
  const insideCount = document.getElementById("count-inside");
  function goingOut() {
    const chosen = document.querySelector("input[name=direction]:checked");
    return Boolean(chosen && chosen.value === "out");
  }

  function showAnswer(body) {
    const person = body.registration || {};
    const who = person.name || "";
    const inside = typeof body.inside === "number" ? root.dataset.labelInside.replace("%(count)s", body.inside) : "";
    const detail = [person.organization, person.category_label, body.note, inside, body.warning].filter(Boolean).join(" · ");
    if (body.counts) {
      document.getElementById("count-checked-in").textContent = body.counts.checked_in;
      document.getElementById("count-confirmed").textContent = body.counts.confirmed;
      document.getElementById("count-guests").textContent = body.counts.guests;
      if (insideCount && typeof body.counts.inside === "number") insideCount.textContent = body.counts.inside;
    }
    if (body.result === "out") {
      show("ok", root.dataset.labelOut, who, detail);
      beep(true);
    } else if (body.result === "ok") {
      lastOk = person.code || "";
      lastOkName = who;
      document.getElementById("undo-last").hidden = !lastOk;
      show("ok", root.dataset.labelOk, who, detail, body.to_pay);
      beep(true);
    } else if (body.result === "already_checked_in") {
      const time = (body.checked_in_at || "").slice(11, 16);
      const title = root.dataset.labelAlready.replace("%(time)s", time).replace("%(device)s", body.device || "?");
      show("already", title, who, detail, body.to_pay);
      beep(false);
    } else {
      show("refused", body.message || body.result, who, detail);
      beep(false);
    }
  }

  // Scans wait here when the venue's network fails; each keeps its own id and time, so the server
  // counts it once however often it is sent, at the time it was really scanned.
  const QUEUE_KEY = "tsudoi-queue";
  const waiting = document.getElementById("waiting");

  function queue() { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); }
  function saveQueue(items) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    waiting.hidden = items.length === 0;
    waiting.textContent = root.dataset.labelWaiting.replace("%(count)s", items.length);
  }

  // Every change this page makes: JSON to the staff area, with the page's CSRF token.
  function postJson(url, payload) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify(payload),
      credentials: "same-origin",
    });
  }

  async function send(payload) {
    const url = payload.out ? root.dataset.outUrl : root.dataset.url;
    const body = Object.assign({}, payload);
    delete body.out;
    return (await postJson(url, body)).json();
  }

  async function checkIn(text, foundBy) {
    const payload = {
      scan: text, session: root.dataset.session, device: device(), scan_id: scanId(),
      scanned_at: new Date().toISOString(),
    };
    if (foundBy) payload.found_by = foundBy;
    if (goingOut()) payload.out = true;
    saveQueue(queue().concat([payload]));
    try {
      const body = await send(payload);
      saveQueue(queue().filter(function (item) { return item.scan_id !== payload.scan_id; }));
      showAnswer(body);
    } catch (error) {
      show("already", root.dataset.labelQueued, text, "");
    }
  }

  let syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      for (const payload of queue()) {
        const body = await send(payload);
        saveQueue(queue().filter(function (item) { return item.scan_id !== payload.scan_id; }));
        if (body.counts) {
          document.getElementById("count-checked-in").textContent = body.counts.checked_in;
          document.getElementById("count-confirmed").textContent = body.counts.confirmed;
        }
        if (body.result !== "ok" && body.result !== "already_checked_in" && body.result !== "out") {
          const item = document.createElement("li");
          item.textContent = payload.scan + ": " + (body.message || body.result);
          document.getElementById("sync-problems").appendChild(item);
        }
      }
    } catch (error) { /* still offline: try again later */ }
    syncing = false;
  }
  setInterval(sync, 3000);
  window.addEventListener("online", sync);
  saveQueue(queue());

  document.getElementById("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    input.value = "";
    if (text) checkIn(text);
    input.focus();
  });

  document.getElementById("change-device").addEventListener("click", function () {
    localStorage.removeItem(DEVICE_KEY);
    device();
    input.focus();
  });

  let searchTimer = null;
  document.getElementById("search-input").addEventListener("input", function (event) {
    clearTimeout(searchTimer);
    const query = event.target.value.trim();
    searchTimer = setTimeout(async function () {
      const list = document.getElementById("search-results");
      list.textContent = "";
      if (query.length < 2) return;
      const url = root.dataset.searchUrl + "?session=" + encodeURIComponent(root.dataset.session) + "&q=" + encodeURIComponent(query);
      const people = await (await fetch(url, { credentials: "same-origin" })).json();
      for (const person of people) {
        const item = document.createElement("li");
        const label = document.createElement("span");
        label.textContent = person.name + (person.organization ? " · " + person.organization : "");
        item.appendChild(label);
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = root.dataset.labelCheckIn;
        button.disabled = !person.can_check_in;
        button.addEventListener("click", function () { checkIn(person.code, "search"); });
        item.appendChild(button);
        if (person.badge_url) {
          const print = document.createElement("a");
          print.className = "button";
          print.href = person.badge_url;
          print.target = "_blank";
          print.textContent = root.dataset.labelPrintBadge;
          item.appendChild(print);
        }
        list.appendChild(item);
      }
    }, 250);
  });

  async function guest(delta) {
    const url = document.querySelector(".guest-buttons").dataset.guestUrl;
    try {
      const response = await postJson(url, { session: root.dataset.session, delta: delta, device: device() });
      const body = await response.json();
      if (body.counts) document.getElementById("count-guests").textContent = body.counts.guests;
    } catch (error) { show("refused", root.dataset.labelQueued, "", ""); }
    input.focus();
  }
  document.getElementById("guest-plus").addEventListener("click", function () { guest(1); });
  document.getElementById("guest-minus").addEventListener("click", function () { guest(-1); });

  // Undo is offered only after a check-in counted on this page, and says what it took back.
  let lastOk = "";
  let lastOkName = "";
  const undoButton = document.getElementById("undo-last");
  undoButton.addEventListener("click", async function () {
    if (!lastOk) return;
    const name = lastOkName;
    undoButton.hidden = true;
    try {
      const undone = { session: root.dataset.session, code: lastOk, device: device() };
      const response = await postJson(undoButton.dataset.undoUrl, undone);
      const body = await response.json();
      if (body.counts) document.getElementById("count-checked-in").textContent = body.counts.checked_in;
      if (response.ok) show("already", root.dataset.labelUndone, name, "");
      else show("refused", body.message || body.error, name, "");
    } catch (error) {
      show("refused", root.dataset.labelQueued, name, "");
    }
    lastOk = "";
    lastOkName = "";
    input.focus();
  });

  // The camera: the browser's BarcodeDetector where it has one, else the vendored jsQR decoder.
  const video = document.getElementById("camera");
  const frame = document.createElement("canvas");
  let lastText = "";
  let lastAt = 0;

  function found(text) {
    const now = Date.now();
    if (!text || (text === lastText && now - lastAt < 4000)) return;
    lastText = text;
    lastAt = now;
    checkIn(text);
  }

  async function startCamera() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
    } catch (error) {
      document.getElementById("camera-problem").hidden = false;
      return;
    }
    document.getElementById("camera-start").hidden = true;
    const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    const context = frame.getContext("2d", { willReadFrequently: true });
    setInterval(async function () {
      if (video.readyState < 2 || !answer.hidden) return;
      frame.width = video.videoWidth;
      frame.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      if (detector) {
        const codes = await detector.detect(frame).catch(function () { return []; });
        if (codes.length) found(codes[0].rawValue);
      } else if (window.jsQR) {
        const image = context.getImageData(0, 0, frame.width, frame.height);
        const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code) found(code.data);
      }
    }, 250);
  }
  document.getElementById("camera-start").addEventListener("click", startCamera);

  answer.addEventListener("click", function () { answer.hidden = true; input.focus(); });
  device();
  input.focus();
})();
