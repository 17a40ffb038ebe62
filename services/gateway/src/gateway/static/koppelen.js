// Copy buttons of the code examples on /aanbieders/koppelen: copy the example's text, say so in the button.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = document.documentElement.lang === "en" ? "Copied" : "Gekopieerd";
  } catch (error) {
    button.textContent = document.documentElement.lang === "en" ? "Select and copy the text" : "Selecteer en kopieer de tekst";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
});
