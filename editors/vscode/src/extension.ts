// The journeylang VS Code extension: starts `journeylang lsp` (stdio) for .journey files.
// Highlighting comes from syntaxes/journey.tmLanguage.json; everything else (diagnostics,
// hover, navigation, completion, formatting, rename, quick fixes) from the server.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("journeylang");
  let command = config.get<string>("server.path", "journeylang") || "journeylang";
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  command = command.replace("${workspaceFolder}", folder);
  const args = ["lsp", ...config.get<string[]>("server.args", [])];
  return { command, args, transport: TransportKind.stdio };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "journey" }],
    synchronize: {
      // files of the program that change on disk (other .journey files, templates, lookups)
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{journey,j2,csv,jsonl}"),
    },
    outputChannelName: "journeylang",
  };
  client = new LanguageClient("journeylang", "journeylang", serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (error) {
    const path = vscode.workspace.getConfiguration("journeylang").get<string>("server.path");
    void vscode.window.showErrorMessage(
      `journeylang: cannot start \`${path} lsp\` (${error}). Install journeylang (pip install journeylang) ` +
        "or set `journeylang.server.path` to its executable."
    );
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("journeylang.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("journeylang.server")) {
        await vscode.commands.executeCommand("journeylang.restartServer");
      }
    })
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
