const ts = require("typescript");
const path = require("path");
const root = process.cwd();
const program = ts.createProgram([path.join(root, "lib/index.ts")], { strict: true, esModuleInterop: true, skipLibCheck: true });
const checker = program.getTypeChecker();
const mod = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, "lib/index.ts")));
const exported = new Map();
for (const sym of checker.getExportsOfModule(mod)) {
  const s = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  if (s.flags & ts.SymbolFlags.Interface) exported.set(s.name, s);
}
const seen = new Set(); const props = new Set();
const visit = (name) => {
  if (seen.has(name) || !exported.has(name)) return; seen.add(name);
  const type = checker.getDeclaredTypeOfSymbol(exported.get(name));
  for (const p of checker.getPropertiesOfType(type)) {
    const decl = p.declarations?.[0]; const owner = decl?.parent?.name?.text ?? name;
    props.add(`${owner}.${p.name}`);
    const text = decl?.type?.getText() ?? "";
    for (const n of exported.keys()) if (new RegExp(`\\b${n}\\b`).test(text)) visit(n);
    if (owner !== name) visit(owner);
  }
};
for (const n of exported.keys()) if (/Props$|Options$/.test(n)) visit(n);
console.log([...props].sort().join("\n"));
