// Lists the chosen files in Chinese (the browser's own file button may speak another language).
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("files");
  var out = document.getElementById("chosen");
  if (!input || !out) { return; }
  document.documentElement.classList.add("js");
  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    out.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
  }
  input.addEventListener("change", show);
  show();
});
