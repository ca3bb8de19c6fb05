// Live counts: ask the server for the figures every few seconds and update the table in place.
(function () {
  "use strict";
  const root = document.getElementById("live");
  if (!root) return;
  const every = Math.max(1, Number(root.dataset.every) || 5) * 1000;

  async function refresh() {
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const figures = await response.json();
      document.getElementById("unique").textContent = figures.checked_in_unique;
      for (const row of figures.sessions) {
        const line = root.querySelector('tr[data-session="' + CSS.escape(row.code) + '"]');
        if (!line) continue;
        for (const name of ["checked_in", "confirmed", "waitlisted", "no_show", "inside"]) {
          const cell = line.querySelector("." + name);
          if (!cell || row[name] === undefined) continue;
          const target = cell.querySelector("strong") || cell;
          target.textContent = row[name];
          if (name === "inside") cell.classList.toggle("nearly-full", Boolean(row.nearly_full));
        }
      }
    } catch (error) { /* offline for a moment: the next round tries again */ }
  }
  setInterval(refresh, every);
})();
