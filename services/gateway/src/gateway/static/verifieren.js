// /verifieren: a chosen file is read in the browser into the text field, so the form stays a plain urlencoded
// post (a visitor who is not signed in may not send multipart bodies to the register).
document.querySelectorAll("input[type=file][data-fills]").forEach(function (input) {
  input.addEventListener("change", function () {
    var target = document.getElementById(input.dataset.fills);
    var file = input.files && input.files[0];
    if (!target || !file) return;
    file.text().then(function (text) { target.value = text.trim(); });
  });
});
