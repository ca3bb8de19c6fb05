// The self check-in kiosk: a badge held to the camera (printed or on a phone), a handheld scanner,
// or a badge's code typed in. The answer fills the screen, then the kiosk clears itself for the next
// person. No names are ever listed or searched here: a kiosk is a public screen.
(function () {
  "use strict";
  const root = document.getElementById("kiosk");
  if (!root) return;
  const input = document.getElementById("kiosk-input");
  const answer = document.getElementById("kiosk-answer");
  const label = document.getElementById("kiosk-label");
  const resetAfter = Math.max(1, Number(root.dataset.reset) || 6) * 1000;
  let resetTimer = null;
  let busy = false;

  function reset() {
    answer.hidden = true;
    answer.className = "kiosk-answer";
    document.getElementById("kiosk-headline").textContent = "";
    document.getElementById("kiosk-detail").textContent = "";
    input.value = "";
    busy = false;
    input.focus();
  }

  function show(body) {
    answer.className = "kiosk-answer kiosk-" + body.outcome;
    const headline = document.getElementById("kiosk-headline");
    headline.textContent = body.headline || "";
    headline.lang = body.language || "";
    document.getElementById("kiosk-detail").textContent = body.detail || "";
    answer.hidden = false;
    if (body.label) {
      // The label prints at once: Chromium started with --kiosk-printing prints without a dialog.
      label.onload = function () {
        try { label.contentWindow.print(); } catch (error) { /* the PDF viewer prints it itself */ }
      };
      label.src = body.label;
    }
    clearTimeout(resetTimer);
    resetTimer = setTimeout(reset, resetAfter);
  }

  // The camera sees a badge many times a second, and for as long as it is held up: one badge is
  // sent once, then not again for a while.
  let lastText = "";
  let lastAt = 0;
  async function send(text) {
    if (busy || !text) return;
    const now = Date.now();
    if (text === lastText && now - lastAt < 15000) return;
    lastText = text;
    lastAt = now;
    busy = true;
    try {
      const response = await fetch(root.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
        body: JSON.stringify({ scan: text }),
        credentials: "same-origin",
      });
      show(await response.json());
    } catch (error) {
      show({ outcome: "see_the_desk", headline: "受付へお越しください · Please see the desk" });
    }
  }

  document.getElementById("kiosk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    input.value = "";
    send(text);
  });
  answer.addEventListener("click", reset);

  // The camera: the browser's BarcodeDetector where it has one, else the vendored jsQR decoder.
  const video = document.getElementById("camera");
  const frame = document.createElement("canvas");
  async function startCamera() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
    } catch (error) {
      return;
    }
    document.getElementById("camera-start").hidden = true;
    const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    const context = frame.getContext("2d", { willReadFrequently: true });
    setInterval(async function () {
      if (busy || video.readyState < 2) return;
      frame.width = video.videoWidth;
      frame.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      if (detector) {
        const codes = await detector.detect(frame).catch(function () { return []; });
        if (codes.length) send(codes[0].rawValue);
      } else if (window.jsQR) {
        const image = context.getImageData(0, 0, frame.width, frame.height);
        const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code) send(code.data);
      }
    }, 300);
  }
  document.getElementById("camera-start").addEventListener("click", startCamera);
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) startCamera();
  reset();
})();
