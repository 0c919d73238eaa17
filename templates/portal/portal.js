// Lists the chosen files in Chinese (the browser's own file button may speak another language).
document.addEventListener("DOMContentLoaded", function () {
  var pickers = document.querySelectorAll(".picker");
  if (!pickers.length) { return; }
  document.documentElement.classList.add("js");
  Array.prototype.forEach.call(pickers, function (picker) {
    var input = picker.querySelector("input[type=file]");
    var out = picker.querySelector("output");
    if (!input || !out) { return; }
    function show() {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      out.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "未选择文件";
    }
    input.addEventListener("change", show);
    show();
  });
});
