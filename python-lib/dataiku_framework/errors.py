"""The catalogue of every error code a user (or an agent) can meet: one code, one cause, one fix.

Why one table: a code is a promise. It is shown in every one-line command error
(``dss-framework apply: error[lock.held]: ...``), in every diagnostic (``file:3:5: error[schema.enum]: ...``)
and in every ``--json`` output (``"code"``), so that scripts and agents match on it instead of on
wording; the troubleshooting page is generated from this table (``tools/docs_errors.py``), and a test
proves that every code the package uses is listed here and that every entry is used. A code never
changes meaning; a new failure gets a new code.

Codes are dotted, ``area.what``: the area groups them on the troubleshooting page (``AREAS``).
Configuration diagnostics (``config.diagnostics.Diagnostic.code``) share the table.
"""
import re
from typing import Dict, List, NamedTuple, Optional

from . import exitcodes

OK, INVALID, UNREACHABLE, AUTH_REFUSED, USAGE = (exitcodes.OK, exitcodes.INVALID, exitcodes.UNREACHABLE,
                                                 exitcodes.AUTH_REFUSED, exitcodes.USAGE)
#: Ctrl-C's status (``cli.EXIT_INTERRUPTED``; 143 after SIGTERM): not importable here, cli imports this module
INTERRUPTED = 130


class Entry(NamedTuple):
    """One code: what the message says (``summary``), why it happens (``cause``), what to do (``fix``),
    and the exit status of the command that meets it (``exit_status``; 0 for a warning)."""
    code: str
    exit_status: int
    summary: str
    cause: str
    fix: str

    @property
    def area(self) -> str:
        return self.code.split(".", 1)[0]


#: Area -> heading of its section on the troubleshooting page, in page order.
AREAS = {
    "usage": "Command line",
    "credentials": "Credentials",
    "dss": "Reaching DSS",
    "project": "Projects",
    "lock": "Locking",
    "state": "Apply state",
    "plan": "Plans",
    "apply": "Apply",
    "checkpoint": "Checkpoints",
    "rollback": "Rollback",
    "destroy": "Destroy",
    "preview": "Preview projects",
    "plans": "Stored plans",
    "git": "Configuration from git",
    "import": "Import",
    "init": "init",
    "plugin": "Inside DSS (plugin)",
    "config": "Configuration",
    "file": "Configuration files",
    "yaml": "YAML",
    "json": "JSON",
    "limit": "Size limits",
    "include": "include:",
    "schema": "Schema",
    "var": "Variables",
    "env": "Environments",
    "secret": "Secrets",
    "names": "Names",
    "ref": "References",
    "type": "Types",
    "key": "Keys",
    "lifecycle": "Lifecycle",
    "permission": "Permissions",
    "dataset": "Datasets",
    "recipe": "Recipes",
    "code": "Code files",
    "flow": "Flow",
    "step": "Scenario steps",
    "trigger": "Scenario triggers",
    "exposed": "Sharing (exposed)",
    "libraries": "Git libraries",
    "online": "validate --online",
    "source": "Configuration sources",
}

_EDIT_CONFIG = "Change the configuration as the message says, then run 'dss-framework validate' again."

_ENTRIES = [
    # -- command line ------------------------------------------------------------------------------
    Entry("usage.arguments", USAGE, "bad command-line arguments",
          "An option is unknown, missing, or has a value of the wrong form (e.g. init --template with a "
          "name 'init --list' does not show, a --key that is not a project key).",
          "Run 'dss-framework COMMAND --help' and correct the arguments."),
    Entry("usage.options", USAGE, "options that cannot be used together",
          "Two options contradict each other (e.g. a saved plan with --env, several configurations with "
          "--target, import --adopt with --from-export).",
          "Drop one of the options the message names; run the command once per case."),
    Entry("usage.no_terminal", USAGE, "standard input is not a terminal, so nobody can confirm",
          "apply, rollback or plans apply asks for 'yes' on a terminal; in CI or a pipe nothing can answer.",
          "Pass --auto-approve when the change was reviewed (e.g. with 'plan --out' and 'apply --expect-plan')."),
    Entry("usage.project_set", USAGE, "the set of configurations cannot be run as given",
          "No configuration in a directory, two files naming one project key, or projects that read each "
          "other's objects in a cycle. Nothing was sent to DSS.",
          "Give one file per project, with distinct project keys, and break the cycle."),
    Entry("usage.interrupted", INTERRUPTED, "the command was interrupted",
          "Ctrl-C (exit 130) outside an apply's own handling (while reading DSS or planning, before any "
          "write): the command stopped at once.",
          "Run the command again."),
    # -- credentials -------------------------------------------------------------------------------
    Entry("credentials.missing", USAGE, "no DSS connection configured",
          "Neither --host/--api-key, DKU_DSS_URL/DKU_API_KEY (or DSS_HOST/DSS_API_KEY), nor "
          "~/.dataiku/config.json gives a DSS URL and an API key.",
          "Set DKU_DSS_URL and DKU_API_KEY (preferred: arguments show in process listings), or pass "
          "--host and --api-key."),
    Entry("credentials.file", USAGE, "~/.dataiku/config.json cannot be used",
          "The file exists but is not JSON, or its default instance has no URL or API key.",
          "Fix the file the message names, or set DKU_DSS_URL and DKU_API_KEY, which take precedence."),
    # -- reaching DSS ------------------------------------------------------------------------------
    Entry("dss.unreachable", UNREACHABLE, "cannot reach DSS at URL",
          "Unknown host, refused connection, TLS error, timeout (10 s to connect, 300 s to answer), or a "
          "server that is not the DSS API.",
          "Check the URL (scheme, host, port, no path) and that DSS runs; DSS_FRAMEWORK_TIMEOUT=SECONDS "
          "raises both timeouts."),
    Entry("dss.key_refused", AUTH_REFUSED, "DSS refused the API key",
          "DSS answered, but the key is unknown, expired or disabled.",
          "Create a personal API key in DSS (Profile > API keys) and set DKU_API_KEY to it."),
    Entry("dss.forbidden", INVALID, "DSS refused a request: this API key may not do it",
          "The key's DSS user lacks a right the command needs (reading the project, its permissions, "
          "administering it).",
          "Use the key of a user with administrator rights on the project (or a DSS administrator's)."),
    Entry("dss.refused", INVALID, "DSS refused a request",
          "DSS answered an API call with an error; the message gives DSS's own words.",
          "Read DSS's words in the message; when they name an object or a setting, correct it and run "
          "the command again."),
    Entry("dss.ambiguous_name", INVALID, "DSS has several objects of the name the configuration uses",
          "Scenarios and folders are filed by id in DSS: two of them carry the name the configuration "
          "gives, so which one it means cannot be told.",
          "Rename or delete one of them in DSS, then run the command again."),
    # -- projects ----------------------------------------------------------------------------------
    Entry("project.not_found", INVALID, "project KEY does not exist on DSS",
          "No project of that key on this DSS (history, rollback, unlock, import, plans name one that "
          "must exist).",
          "Check the key (case matters) and the DSS URL; apply the configuration first to create it."),
    Entry("project.not_admin", INVALID, "administrator rights on the project are needed",
          "Approving, discarding or applying a stored plan, and applying from inside DSS (macros, scenario "
          "steps, the review webapp), need administrator rights on the project; the key's user has none.",
          "Use the key of a project administrator (owner, admin permission, or DSS administrator)."),
    Entry("project.code_envs_twice", INVALID, "code environments are set twice",
          "The project's code environments are given both under 'code_envs' and in 'settings'.", _EDIT_CONFIG),
    # -- lock --------------------------------------------------------------------------------------
    Entry("lock.held", INVALID, "project KEY is locked by another apply",
          "Another apply, rollback or adopt of the project holds its lock (the message names its user, "
          "host, process and lock id).",
          "Wait for it, or pass --lock-timeout SECONDS; if its holder is gone, 'dss-framework unlock KEY "
          "LOCK_ID' with the id the message names."),
    Entry("lock.lost", INVALID, "the lock of this apply was lost",
          "The lock expired, was taken over or was released with 'unlock' while this apply ran; it "
          "stopped writing.",
          "Check 'dss-framework history KEY' and run the apply again: it converges."),
    Entry("lock.error", INVALID, "the lock cannot be used as asked",
          "The lock record is unreadable, or 'unlock' was given an id that is not the current lock's.",
          "Give 'unlock' the id the 'is locked' message names; an unreadable lock.json in the project "
          "library can be removed by a project administrator."),
    # -- state -------------------------------------------------------------------------------------
    Entry("state.format", INVALID, "the apply state in DSS cannot be read",
          "dataiku-framework/state.json in the project library was written by a newer major version, is "
          "not JSON, or has the wrong shape.",
          "Upgrade dataiku-framework; if the file was edited by hand, restore it from the project's git "
          "history."),
    Entry("state.stale", INVALID, "the apply state moved since it was read",
          "Another apply wrote the state between this one's read and write (its serial changed).",
          "Run the command again: it reads the new state."),
    Entry("state.error", INVALID, "the apply state cannot be used as asked",
          "The apply state in the project library cannot be read or written as the command needs (the "
          "message says what).",
          "Read the message; when the state is missing or damaged, see the how-to on recovering from a killed "
          "apply."),
    # -- plans -------------------------------------------------------------------------------------
    Entry("plan.stale", INVALID, "the plan is stale: nothing was applied",
          "DSS or the configuration changed since the plan was made (another apply ran, someone edited "
          "DSS): applying it now would not do what was shown.",
          "Plan again ('dss-framework plan --out FILE'), review, and apply the new plan."),
    Entry("plan.not_reviewed", INVALID, "the plan made now is not the reviewed plan",
          "apply --expect-plan planned the configuration again and its changes differ from the reviewed "
          "plan's (the message lists them). Nothing was applied.",
          "Review the new plan (plan --out) and apply with it as --expect-plan."),
    Entry("plan.format", INVALID, "the plan document cannot be read",
          "The file is not a plan document of a version this tool reads, is not JSON, or its digest no "
          "longer matches its content (edited after 'plan --out').",
          "Make the plan again with 'dss-framework plan --out FILE' and do not edit it."),
    Entry("plan.other_dss", INVALID, "the saved plan was made against another DSS",
          "The plan's metadata names a DSS URL other than the one the credentials point to.",
          "Plan again against this DSS, or use the credentials of the DSS the plan was made for."),
    Entry("plan.unknown_target", INVALID, "--target names a resource the configuration does not have",
          "An address given to --target is not in the configuration (addresses are KIND.NAME, e.g. "
          "dataset.RAW).",
          "Use an address the plan shows; 'dss-framework plan' lists them."),
    Entry("plan.write", INVALID, "cannot write the plan file",
          "The file given to --out or --markdown cannot be written (no such directory, no rights, disk full).",
          "Give a writable path."),
    Entry("plan.keeps_changing", INVALID, "the plan kept changing while it was being approved",
          "DSS changed every time the plan was shown and asked again (five times). Nothing was applied.",
          "Find what keeps editing the project (another apply, a scenario) and apply again."),
    Entry("plan.missing_connection", INVALID, "the configuration names a connection DSS does not have",
          "A dataset or folder names a DSS connection that is not on this instance.",
          "Create the connection in DSS, or name one it has (an environment overlay can remap it)."),
    Entry("plan.missing_code_env", INVALID, "the configuration names a code environment DSS does not have",
          "A recipe or the project names a code env that is not on this instance.",
          "Create the code env in DSS (or declare it under 'code_envs'), or name one it has."),
    Entry("plan.name_not_visible", OK, "a name not visible to this key: it could not be checked",
          "A warning: the key may not list every connection or code env, so a name the configuration "
          "uses could not be checked before the apply.",
          "Use a DSS administrator's key, or check the name with 'validate --online'."),
    # -- apply -------------------------------------------------------------------------------------
    Entry("apply.access_loss", INVALID, "applying would take away the applier's own access to the project",
          "The permissions the configuration sets leave the API key's user without write access to the "
          "project, where the apply state and lock live. Nothing was written.",
          "Keep an admin permission for the applying user or one of its groups in 'permissions'."),
    Entry("apply.interrupted", INTERRUPTED, "the apply was interrupted",
          "Ctrl-C (exit 130) or SIGTERM (exit 143): the apply stopped scheduling, let the requests in "
          "flight finish, wrote the state and released the lock.",
          "Apply again to go on: it converges."),
    Entry("apply.stopped_at_once", INTERRUPTED, "the apply was stopped at once by a second interrupt",
          "A second Ctrl-C or SIGTERM did not wait for the requests in flight: they may be missing from "
          "the state, and the history entry stays open ('abandoned').",
          "Apply again to converge; see the how-to 'Recovering from a killed apply'."),
    Entry("apply.blocked", INVALID, "not applied: the project reads objects of a project that did not apply",
          "With several configurations, a project whose objects another reads failed: the reader is not "
          "applied, so it never reads half-made objects.",
          "Fix the project named, then apply the set again."),
    Entry("apply.resource_failed", INVALID, "a resource failed (apply --json: resources[].code)",
          "DSS refused the write of one resource (its error gives DSS's words); the others went on, the "
          "state records what succeeded.",
          "Correct what the error names, then apply again: only what is left is done."),
    Entry("apply.resource_skipped", INVALID, "a resource was skipped (apply --json: resources[].code)",
          "A resource it needs failed first, or the apply stopped (interrupted, lock lost) before it started.",
          "Fix the failure listed before it, then apply again."),
    Entry("apply.not_planned", INVALID, "nothing was applied: a project could not be planned",
          "With several configurations, every project is planned before any is applied; one of them failed.",
          "Fix the project the message names (its section above says why), then apply again."),
    # -- checkpoints, rollback, destroy ------------------------------------------------------------
    Entry("checkpoint.failed", INVALID, "the 'before' checkpoint could not be made: nothing was applied",
          "An apply commits the project's git before changing it, so that it can be rolled back; DSS "
          "refused that commit.",
          "Check the project's git in DSS (Version control); or pass --no-checkpoint to apply without a "
          "rollback point."),
    Entry("rollback.refused", INVALID, "the rollback cannot be made",
          "No such apply id, no apply to roll back, no checkpoint recorded for it, or DSS refused the "
          "git revert.",
          "List the applies with 'dss-framework history KEY' and give --to one of them."),
    Entry("destroy.refused", INVALID, "the project may not be destroyed",
          "destroy deletes only a project this tool created and that is not protected "
          "(settings.prevent_destroy), and it must exist.",
          "Delete the project in DSS by hand if it must go; otherwise nothing to do."),
    Entry("preview.failed", INVALID, "the preview project cannot be made",
          "The branch cannot be found, or git cannot answer about it.",
          "Run preview from inside the git working copy, on an existing branch (or pass --branch)."),
    # -- stored plans ------------------------------------------------------------------------------
    Entry("plans.refused", INVALID, "the stored plan cannot be used as asked",
          "Unknown plan id, a status that does not allow the step (approving an applied plan, applying "
          "a pending one), or an author approving their own plan.",
          "List the plans with 'dss-framework plans list KEY' and follow the review steps in order."),
    Entry("plans.tampered", INVALID, "the stored plan no longer matches its digest",
          "The plan's file in the project library was edited after it was stored: it is refused, never "
          "applied.",
          "Plan again with 'plan --store' and review the new plan."),
    # -- git sources -------------------------------------------------------------------------------
    Entry("git.unreachable", UNREACHABLE, "cannot reach the git server",
          "Unknown host, refused connection or untrusted host key of a git+URL source.",
          "Check the URL and the network; for ssh, add the host key to known_hosts."),
    Entry("git.auth_refused", AUTH_REFUSED, "the git server refused the credentials",
          "The repository needs credentials and the ones given (or none) were refused.",
          "Set DSS_FRAMEWORK_GIT_TOKEN (https) or an ssh key for the repository."),
    Entry("git.ref_not_found", INVALID, "no such branch, tag or commit in the git source",
          "The @REF of git+URL@REF#PATH is not in the repository (or the URL is no repository).",
          "Give an existing branch, tag or commit."),
    Entry("git.file_not_found", INVALID, "no such file at the commit of the git source",
          "The #PATH of git+URL@REF#PATH is not in that commit.",
          "Give the configuration's path inside the repository."),
    Entry("git.failed", INVALID, "the git source cannot be used",
          "git itself failed (not installed, a malformed source).",
          "Read git's words in the message; the form is git+URL@REF#PATH."),
    # -- import, init ------------------------------------------------------------------------------
    Entry("import.unreadable_export", INVALID, "cannot read the DSS export",
          "The --from-export path is not a DSS project export (a folder holding project_config/, or its "
          "zip), or is damaged.",
          "Export the project again from DSS (Actions > Export) and give that zip or folder."),
    Entry("import.write", INVALID, "cannot write the imported configuration",
          "The --out folder cannot be written (a file of that name, no rights, disk full).",
          "Give a writable folder."),
    Entry("init.refused", INVALID, "init cannot write the starter configuration",
          "A file it would write exists already (init never overwrites), or the folder cannot be written.",
          "Choose another DIR, or remove the files it names."),
    # -- plugin ------------------------------------------------------------------------------------
    Entry("plugin.foreign_project", INVALID, "the configuration names another project",
          "Inside DSS a macro or scenario step acts on its own project; the configuration's project.key "
          "names another one. Nothing was done.",
          "Run it from the project the configuration describes, or use the CLI."),
    Entry("plugin.source", INVALID, "the managed folder cannot be used as a configuration source",
          "No managed folder of that id or name in the project, or a path in it would land outside the "
          "destination.",
          "Name a managed folder of the project that holds the configuration files."),
    Entry("plugin.parameter", INVALID, "a component parameter has a value it does not take",
          "A macro's or scenario step's parameter (e.g. the step's mode or 'Fail on') holds a value that is "
          "not one of its choices (the message lists them).",
          "Choose one of the values the message lists in the component's settings."),
    Entry("plugin.apply_failed", INVALID, "an apply or rollback run inside DSS failed",
          "The Apply or Rollback macro, or the \"Apply project configuration\" step, ran and some resources "
          "failed or were skipped (listed with DSS's words); the others were done.",
          "Correct what the errors name, then run it again: only what is left is done."),
    Entry("plugin.drift", INVALID, "DSS differs from the configuration (drift)",
          "The \"Check drift\" step, or the apply step with 'Fail on: drift', found fields changed in DSS "
          "outside the configuration (the message lists them).",
          "Bring the change into the configuration, or apply the configuration to undo it."),
    Entry("plugin.changes", INVALID, "the plan had changes to make",
          "The \"Apply project configuration\" step with 'Fail on: changes' planned changes (applied or "
          "not, as its mode says); the message lists them.",
          "Review the changes; set 'Fail on' to 'never' when changes are expected."),
    Entry("plugin.failed", INVALID, "a plugin component failed unexpectedly",
          "A macro, scenario step or the review webapp met a failure none of the other codes describe "
          "(the message gives its words).",
          "Read the message and the component's log; when it names nothing you can correct, report it."),
    Entry("plugin.login", INVALID, "the review webapp does not know the browser's DSS user",
          "DSS did not recognise the browser's session (expired, logged out), so the webapp cannot act as "
          "its user.",
          "Log in to DSS again and reload the page."),
    Entry("plugin.not_reader", INVALID, "the browser's DSS user may not read the reviewed project",
          "The review webapp acts as the browser's user, who has no read access to the webapp's project.",
          "Ask a project administrator for read access (reviewing), or admin access (approving, applying)."),
    Entry("plugin.csrf", INVALID, "cross-site request refused by the review webapp",
          "A request that changes something came without the page's token (the X-CSRF-Token header): "
          "another site, or a page open since the webapp's backend restarted.",
          "Reload the page and try again."),
    Entry("plugin.review_source", INVALID, "the review webapp's configuration source cannot be used",
          "No source is set in the webapp's settings, a project administrator has not confirmed the one "
          "set (or it changed since), or a stored plan comes from a source the webapp does not read.",
          "A project administrator sets the source in the webapp's settings and confirms it on the page."),
    Entry("plugin.review_digest", INVALID, "the stored plan is not the one the page showed",
          "The plan's digest differs from the digest the page approved: the plan was stored again since.",
          "Reload the plan, review it again, then approve it."),
    Entry("plugin.request", INVALID, "the review webapp's backend cannot answer this request",
          "No such route or method, a body that is not JSON, a missing field, or a job it does not keep.",
          "Reload the page; a script calling the backend must send what the page sends."),
    Entry("source.missing", INVALID, "the configuration file is not in the source folder",
          "Inside DSS (plugin), the configuration file parameter names no file of the managed folder it reads "
          "from (the message lists the configuration files there).",
          "Set the parameter to a path inside the folder."),
    Entry("config.invalid", INVALID, "invalid configuration",
          "The configuration has errors: each is listed with its own file:line:col and code.",
          "Fix each diagnostic (its code is in this list), then run 'dss-framework validate' again."),
    # -- configuration diagnostics: files and YAML -------------------------------------------------
    Entry("file.not_found", INVALID, "configuration file not found",
          "The file (or an include:'d file) does not exist.", "Check the path (relative to the main file)."),
    Entry("file.read", INVALID, "cannot read a configuration file",
          "The file exists but cannot be read (rights, a directory).", "Make the file readable."),
    Entry("file.encoding", INVALID, "file is not valid UTF-8 text",
          "A configuration file holds bytes that are not UTF-8.", "Save the file as UTF-8."),
    Entry("yaml.syntax", INVALID, "YAML syntax error", "The file is not valid YAML at the position given.",
          "Correct the YAML at that line and column (indentation, quotes, colons)."),
    Entry("yaml.empty", INVALID, "the file is empty", "A configuration file holds no document.",
          "Start from 'dss-framework init', which writes a valid starter configuration."),
    Entry("yaml.multidoc", INVALID, "only one YAML document per file",
          "The file holds '---' separating several documents.", "Keep one document; use include: for more files."),
    Entry("yaml.tag", INVALID, "unsupported YAML tag",
          "Tags such as !!python/object are refused: a configuration is data, never code.",
          "Remove the tag; write the value as plain YAML."),
    Entry("yaml.alias", INVALID, "unknown or recursive YAML alias", "An *alias names no anchor, or itself.",
          "Define the &anchor before the *alias, without recursion."),
    Entry("yaml.key", INVALID, "mapping keys must be plain text", "A key is a mapping, a list or not text.",
          "Write the key as text."),
    Entry("yaml.duplicate_key", INVALID, "duplicate key", "A mapping gives the same key twice: YAML would "
          "silently keep the last one.", "Remove one of the two keys."),
    Entry("yaml.merge", INVALID, "bad '<<' merge value", "'<<' is given something other than a mapping or a "
          "list of mappings.", "Merge a mapping (an &anchor of one)."),
    Entry("json.syntax", INVALID, "JSON syntax error", "A .json configuration is not valid JSON.",
          "Correct the JSON at the line and column given."),
    Entry("limit.bytes", INVALID, "file too large", "A configuration file is larger than the limit (the "
          "message gives it).", "Split the configuration with include:."),
    Entry("limit.nodes", INVALID, "configuration too large", "More values than the limit, aliases expanded.",
          "Expand fewer YAML aliases, or describe one DSS project per configuration."),
    Entry("limit.depth", INVALID, "nesting too deep", "Mappings and lists nested deeper than the limit.",
          "Flatten the structure."),
    Entry("limit.files", INVALID, "too many included files", "include: patterns match more files than the "
          "limit.", "Include fewer files (narrower patterns)."),
    Entry("include.outside", INVALID, "include outside the configuration folder",
          "An include: pattern is absolute, goes up with '..', or matches a link leading outside.",
          "Use relative paths inside the configuration's folder."),
    Entry("include.nomatch", INVALID, "include matches no file", "An include: pattern matches nothing.",
          "Correct the pattern or add the file."),
    Entry("include.shape", INVALID, "an included file must be a mapping of sections",
          "An included file is not a mapping, or one of its sections is not a list.",
          "Give included files only list sections (datasets:, recipes:, ...)."),
    Entry("include.key", INVALID, "a key an included file may not hold",
          "Included files may only hold object sections, not project:, version: or settings.",
          "Move the key to the main file."),
    Entry("include.unchecked_references", OK, "references not checked across included files",
          "A warning: with some files unreadable, references to their objects cannot be checked.",
          "Fix the other errors first."),
    # -- schema ------------------------------------------------------------------------------------
    Entry("schema.type", INVALID, "value of the wrong type", "A value is not of the type the schema wants "
          "(the message says which).", _EDIT_CONFIG),
    Entry("schema.enum", INVALID, "value not allowed", "A value is not one of the allowed ones (listed in "
          "the message); 'validate --json' carries the fix when one is close.", _EDIT_CONFIG),
    Entry("schema.any_of", INVALID, "value matches no allowed form", "The value fits none of the forms the "
          "key accepts.", "See the key in the configuration reference."),
    Entry("schema.min_length", INVALID, "text too short", "A text is shorter than allowed.", _EDIT_CONFIG),
    Entry("schema.max_length", INVALID, "text too long", "A text is longer than allowed (e.g. a project key).", _EDIT_CONFIG),
    Entry("schema.pattern", INVALID, "invalid value", "A text does not match the form the key needs (e.g. a "
          "project key of capitals, digits and underscores).", _EDIT_CONFIG),
    Entry("schema.minimum", INVALID, "number below the minimum", "A number is below the allowed minimum.", _EDIT_CONFIG),
    Entry("schema.maximum", INVALID, "number above the maximum", "A number is above the allowed maximum.", _EDIT_CONFIG),
    Entry("schema.required", INVALID, "missing required key", "A key the object needs is absent; "
          "'validate --json' proposes it with its default.", "Add the key."),
    Entry("schema.key", INVALID, "keys must be text", "A mapping key is a number or another non-text value.",
          "Quote the key."),
    Entry("schema.unknown_key", INVALID, "unknown key", "The key is not part of the language here (often a "
          "misspelling: the hint says 'did you mean').", "Rename or remove the key; 'validate --json' "
          "carries the rename when it is certain."),
    Entry("schema.min_items", INVALID, "list too short", "A list has fewer items than needed.", _EDIT_CONFIG),
    # -- semantic checks ---------------------------------------------------------------------------
    Entry("var.syntax", INVALID, "bad ${...} reference", "A ${...} reference is malformed.",
          "Write ${name} or ${env:NAME}."),
    Entry("var.unknown", OK, "reference to an undeclared variable",
          "A warning: ${name} names no variable of the project's 'variables' (DSS may still define it).",
          "Declare it under the project's variables, or correct the name."),
    Entry("var.env_unset", INVALID, "environment variable not set", "${env:NAME} names a variable the "
          "environment does not set.", "Export the variable before running the command."),
    Entry("env.unknown", INVALID, "unknown environment", "--env names no entry of 'environments'.",
          "Use one of the environments the configuration declares."),
    Entry("env.unknown_target", INVALID, "an environment overlay names an unknown object",
          "An overlay under environments.ENV changes an object the configuration does not have.",
          "Correct the name, or declare the object."),
    Entry("secret", INVALID, "a credential written in the configuration",
          "A key named like a password, token or key holds a literal value: it would be stored in the "
          "configuration, the plan and DSS's project settings.",
          "Store credentials in a DSS connection or user secret and reference it by name."),
    Entry("names.duplicate", INVALID, "duplicate name", "Two objects of one kind share a name.",
          "Rename one of them."),
    Entry("ref.unknown", INVALID, "unknown reference", "A recipe, step or trigger names a dataset, folder "
          "or item the configuration does not declare.", "Declare it, or correct the name (see the hint)."),
    Entry("ref.producer", INVALID, "output written by two recipes", "Each dataset or folder has exactly "
          "one producing recipe.", "Keep one recipe writing it."),
    Entry("ref.zone", INVALID, "unknown flow zone", "An object names a zone not declared under 'zones'.",
          "Declare the zone or correct the name."),
    Entry("ref.scenario", INVALID, "unknown scenario", "A step runs a scenario the configuration does not "
          "declare.", "Declare it or correct the name."),
    Entry("type.alias", OK, "deprecated type spelling", "A warning: the type is written in an old spelling.",
          "Use the spelling the message gives."),
    Entry("type.unknown", OK, "unknown type", "A warning: the type is not known to this version; it is "
          "passed to DSS as is.", "Check the spelling; DSS refuses a type it does not have."),
    Entry("key.not_applicable", INVALID, "key does not apply to this type", "The key has no meaning for the "
          "object's type.", "Remove the key or change the type."),
    Entry("lifecycle.field", INVALID, "ignore_changes names an unknown field", "lifecycle.ignore_changes "
          "lists a field the object does not have.", "Use a field of the object."),
    Entry("permission.subject", INVALID, "permission names no user or group", "A permission entry needs "
          "exactly one of 'user' or 'group'.", "Give one of them."),
    Entry("permission.level", INVALID, "a permission needs a level or extra flags",
          "A permission entry gives neither 'level' (read, write, admin) nor 'extra' flags.",
          "Add the level the user or group needs."),
    Entry("dataset.conflict", INVALID, "a setting given twice", "A dataset sets a key both first-class and "
          "under params.", "Keep one of the two."),
    Entry("dataset.connection", INVALID, "dataset needs a connection", "This dataset type stores data on "
          "a connection, and none is named.", "Add 'connection:'."),
    Entry("dataset.sql_source", INVALID, "SQL dataset with both table and query", "A SQL dataset reads a "
          "table or a query, not both.", "Keep one."),
    Entry("dataset.sql_default_table", OK, "SQL dataset names no table or query", "A warning: the "
          "dataset's name is used as table.", "Name the table to make it explicit."),
    Entry("dataset.partitioning", INVALID, "bad partitioning dimension", "A time dimension needs a valid "
          "'period'.", "Add the period (YEAR, MONTH, DAY or HOUR)."),
    Entry("dataset.format_params_alone", INVALID, "format parameters without a format",
          "format_params is given without format_type.", "Add format_type."),
    Entry("recipe.no_output", INVALID, "recipe has no outputs", "Every recipe writes something.",
          "List the datasets or folders the recipe writes."),
    Entry("recipe.append_input", INVALID, "'append' on a recipe input means nothing",
          "'append' applies to a recipe's outputs only; on an input it would be dropped without a word.",
          "Remove it, or move it to the output the recipe appends to."),
    Entry("recipe.code_payload", INVALID, "code recipe with a payload", "A code recipe's code goes in "
          "'code' or 'code_file', not 'payload'.", "Move the code."),
    Entry("recipe.partitions", INVALID, "'partitions' on a recipe input or output is not sent to DSS",
          "Partition dependencies need the datasets' dimensions.", "Set them in DSS; build a partition "
          "with a scenario step's 'partitions'."),
    Entry("recipe.payload_not_mapping", INVALID, "readable keys on a text payload", "Readable keys cannot "
          "be applied on top of a text or list payload.", "Write the payload as a mapping, or drop the "
          "readable keys."),
    Entry("recipe.split_ratio", INVALID, "'ratio' has no meaning for this split mode", "The ratio applies "
          "to the split modes the message lists.", "Change the mode, or describe the splits in 'payload'."),
    Entry("recipe.join_inputs", INVALID, "'on'/'join_type' with more than two inputs", "The readable join "
          "describes one pair of inputs.", "Write the joins in 'payload.joins'."),
    Entry("code.both", INVALID, "both 'code' and 'code_file'", "A recipe or step gives its code twice.",
          "Keep one."),
    Entry("code.missing", INVALID, "no code", "A code recipe or step has neither 'code' nor 'code_file'.",
          "Add one."),
    Entry("code.outside", INVALID, "code_file outside the configuration folder",
          "code_file is absolute, goes up with '..', or is a link leading outside the configuration's folder.",
          "Keep code files inside the configuration's folder."),
    Entry("code.not_found", INVALID, "code_file not found", "The file code_file names does not exist.",
          "Correct the path (relative to the configuration file)."),
    Entry("code.read", INVALID, "cannot read code_file", "The file exists but cannot be read.",
          "Make it readable UTF-8 text."),
    Entry("flow.cycle", INVALID, "the flow has a cycle", "Recipes read and write datasets in a loop.",
          "Break the loop: a recipe cannot (indirectly) read what it writes."),
    Entry("step.required", INVALID, "a step misses a required key", "A scenario step of this type needs "
          "the key the message names.", "Add it."),
    Entry("trigger.required", INVALID, "a trigger misses a required key", "A trigger of this type needs "
          "the key the message names.", "Add it."),
    Entry("trigger.schedule", INVALID, "a schedule key that does not apply", "The key has no meaning for "
          "the trigger's frequency.", "Remove it, or change the frequency."),
    Entry("exposed.one_object", INVALID, "an exposed entry names no single object", "Each entry of "
          "'exposed' names one object.", _EDIT_CONFIG),
    Entry("exposed.twice", INVALID, "object exposed twice", "The same object appears twice in 'exposed'.",
          "Merge the entries."),
    Entry("exposed.to_itself", INVALID, "object exposed to its own project", "A project cannot share with "
          "itself.", "Remove that target."),
    Entry("exposed.target_twice", INVALID, "target project given twice", "An exposed entry names a target "
          "project twice.", "Remove the duplicate."),
    Entry("exposed.not_exposed", INVALID, "a shared object the source project does not expose",
          "The configuration reads another project's object that the other project does not expose.",
          "Expose it from its project first."),
    Entry("exposed.unchecked", OK, "sharing not checked", "A warning: the other project cannot be read "
          "with this key.", "Use a key that may read both projects."),
    Entry("libraries.duplicate", INVALID, "git library given twice", "Two git_library entries import the "
          "same repository into the same place.", "Keep one."),
    # -- online ------------------------------------------------------------------------------------
    Entry("online.connection", INVALID, "connection does not exist on the DSS instance",
          "validate --online: a dataset or folder names a connection DSS does not have.",
          "Name a connection DSS has (or remap it with an environment overlay)."),
    Entry("online.code_env", INVALID, "code env does not exist on the DSS instance",
          "validate --online: a recipe or the project names a code env DSS does not have.",
          "Create it in DSS, or name one it has."),
    Entry("online.user", INVALID, "user does not exist on the DSS instance",
          "validate --online: a permission or owner names a login DSS does not have.", "Correct the login."),
    Entry("online.sql_type", INVALID, "type SQL on a connection that is not SQL",
          "validate --online: the dataset's connection is not a SQL connection.",
          "Use the type the message gives, or a SQL connection."),
    Entry("online.unchecked", OK, "not checked: this API key may not list them",
          "A warning: the key may not list connections, code envs or users.",
          "Use a DSS administrator's key to check them."),
    Entry("online.unreachable", INVALID, "cannot query DSS for the online checks",
          "validate --online (or the plugin's validation) could not ask DSS; the message says why.",
          "Check the DSS URL and key (see dss.unreachable, dss.key_refused), then validate again."),
]

#: code -> its entry: the one table; the tests check that no code is listed twice.
CATALOGUE = {entry.code: entry for entry in _ENTRIES}  # type: Dict[str, Entry]

#: The form of a code: dotted words, lower case (a single word for the few areas of one code).
CODE_FORM = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")

_JAVA_CLASS = re.compile(r"\b(?:[a-z][a-zA-Z0-9_]*\.)+([A-Z][A-Za-z0-9]*(?:Exception|Error))(?::\s*)?")


def code_of(error: BaseException, default: str) -> str:
    """The code ``error`` carries (its class's or its own ``code`` attribute), else ``default``."""
    code = getattr(error, "code", None)
    return code if isinstance(code, str) and code in CATALOGUE else default


def coded(code: str, message: str) -> str:
    """``error[CODE]: message``: the one form of an error every face writes (the CLI's line, a macro's
    or a step's failure, the webapp's page), with the catalogue ``code`` agents match on; secrets
    redacted and DSS's Java class names dropped (``in_user_terms``): messages quote DSS's answers."""
    from .config.secrets import redact  # config imports this module: at call time
    return "error[%s]: %s" % (code, redact(in_user_terms(message)))


def in_user_terms(text: str) -> str:
    """``text`` without the Java exception class names DSS puts before its messages
    (``com.dataiku.dip.exceptions.UnauthorizedException: ...``): a user reads DSS's words, not its
    stack; the class is of no use to them, and the error code says the kind of failure."""
    return _JAVA_CLASS.sub("", text)


def dss_refusal_code(error: BaseException) -> str:
    """The code of a refusal DSS answered (``DataikuException``): ``dss.forbidden`` for a right the key
    lacks, else ``dss.refused``."""
    from .config.online import _forbidden  # the one test of "DSS said: not allowed" (validate --online's)
    return "dss.forbidden" if _forbidden(error) else "dss.refused"


def by_area() -> List[List[Entry]]:
    """The entries grouped by area, in ``AREAS`` order, each group sorted by code (the page's order)."""
    groups = []  # type: List[List[Entry]]
    for area in AREAS:
        group = sorted((e for e in _ENTRIES if e.area == area), key=lambda e: e.code)
        if group:
            groups.append(group)
    return groups
