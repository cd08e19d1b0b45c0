"""qcli completion SHELL: print the completion script."""

from __future__ import annotations

from enum import StrEnum

import typer

from qcli.cli.kit import application, command, new_typer

app = new_typer("Print a shell completion script.")


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


ZSH = """#compdef qcli

_qcli() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _QCLI_COMPLETE=complete_zsh qcli)
}

# autoloaded from a folder on $fpath (site-functions/_qcli), or sourced from ~/.zshrc
if [[ "${zsh_eval_context[-1]}" == "loadautofunc" ]]; then
  _qcli "$@"
else
  compdef _qcli qcli
fi
"""


def script(shell: str) -> str:
    """The completion script. typer's zsh script starts with a blank line and only works when
    sourced; qcli's starts with '#compdef' and also works from site-functions/_qcli."""
    if shell == "zsh":
        return ZSH
    from qcli.cli.kit.adapter import completion_script

    text = completion_script(shell, "qcli", "_QCLI_COMPLETE")
    return text.lstrip("\n") + ("" if text.endswith("\n") else "\n")


def _make(shell: Shell) -> None:
    def run(ctx: typer.Context) -> None:
        application(ctx).io.out(script(shell.value))

    run.__doc__ = {
        "bash": """Print the bash completion script.

        \b
        Examples (install):
          qcli completion bash > ~/.local/share/bash-completion/completions/qcli
        or, for this shell only:
          source <(qcli completion bash)
        """,
        "zsh": """Print the zsh completion script.

        \b
        Examples (install into a folder on your $fpath):
          qcli completion zsh > "${fpath[1]}/_qcli"
        then start a new shell (compinit must run in ~/.zshrc).
        """,
        "fish": """Print the fish completion script.

        \b
        Examples (install):
          qcli completion fish > ~/.config/fish/completions/qcli.fish
        """,
        "powershell": """Print the PowerShell completion script.

        \b
        Examples (install):
          qcli completion powershell >> $PROFILE
        """,
    }[shell.value]
    command(app, shell.value)(run)


for _shell in Shell:
    _make(_shell)
