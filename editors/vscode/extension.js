// The Malphas extension: starts `malphas lsp` for .mal files and connects VS Code's
// language client to it (diagnostics, hover, definition, completion, outline, format).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
    const command = vscode.workspace.getConfiguration("malphas").get("path") || "malphas";
    const serverOptions = { command, args: ["lsp"] };
    const clientOptions = { documentSelector: [{ scheme: "file", language: "malphas" }] };
    client = new LanguageClient("malphas", "Malphas", serverOptions, clientOptions);
    context.subscriptions.push(client);
    return client.start();
}

function deactivate() {
    return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
