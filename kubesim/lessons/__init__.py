"""The lesson engine: guided lessons that show Kubernetes' CQRS stages by doing them.

Content is data (`lessons/NN-slug/lesson.yaml` plus manifests, shipped as package data); this
package holds no lesson text. Modules, one job each:

- format.py    the lesson.yaml schema (format 1) and its version check; finding lessons; refusing
               a lesson whose paths or commands reach out of it
- confine.py   lesson paths stay in the lesson's folder and its work dir (no absolute path, no
               `..`, no symlink out)
- commands.py  the command lines a lesson may run: `kubesim VERB ...`, split by shlex, no shell
- trust.py     a lesson that is not kubesim's own: what it will run, and the fingerprint of the
               learner's yes (the CLI asks, or wants --trust)
- checks.py    declarative checks that read the store and the journal (never what was typed)
- runner.py    workspaces, start state (files + setup), step marks, the copy a step reset puts
               back, performing and checking steps, auto mode
- progress.py  the learner's saved progress (and prediction score) and where each lesson's work
               dir and store live
- render.py    the screens, as plain text for 80 columns without colour
- show.py      a step's `show`: one frame of the four-stage view from the lesson's store
- watchmode.py re-check a step when a file in the lesson's directory is saved or a command
               writes to its store (watchfiles); a user controller's errors with file:line
- lint.py      `kubesim lesson dev check`: static checks, then auto mode for every lesson
- demo.py      the narrated `kubesim demo` scenario

Design decisions:

- Where a lesson's store lives: `$KUBESIM_HOME/lessons/<id>/` (default ~/.kubesim) is its work
  dir, holding the learner's copies of its files, and its store is `.kubesim/store.db` in it: the
  path every `kubesim` command uses by default in that directory. So the learner `cd`s there
  (every step screen says `Work in: DIR`) and types ordinary commands; no global "active store"
  redirection is needed, and the learner's own store elsewhere (or one named by
  --store/KUBESIM_STORE) is never touched. A command that opens another store while a lesson is
  in progress says so in one note on stderr (kubesim/cli/context.py). `lesson start` warns if
  KUBESIM_STORE is set.
  `lesson run --auto` and `lesson dev check` use a temporary work dir, never the learner's.
- Progress (`$KUBESIM_HOME/progress.json`): the active lesson, its step, the steps passed, the
  predictions made, the hints seen, and each step's Mark (journal seq + revision at its start):
  journal and event checks count only what happened after the mark, so a step cannot pass on
  what an earlier step did. Finishing the last step clears the active lesson and records the
  lesson as completed, for good: `lesson start` on it again reviews it from step 1, and
  `lesson reset` (which empties the work dir, re-copies the files, re-runs the setup and starts
  at step 1) keeps that record and the prediction score too.
- Step reset: when a step begins, the CLI copies the work dir's files and the store's files into
  `.kubesim/step-start/`; `lesson step reset` puts them back and begins the step again (its
  lesson_runs re-run, its Mark is the same), the steps before it staying passed.
- The control plane in lessons: the learner runs it, with `kubesim reconcile` (virtual time,
  settles and exits; `--for 5ms` stops it mid-way, `--latency`, `--duplicate-rate`,
  `--compact-every`, `--controller FILE.py` and `--restart NAME@2s` inject what a lesson needs) or
  `kubesim up` in another terminal. Each `kubesim reconcile` starts every controller afresh with
  a LIST, and lessons say so where it matters. Steps may instead list `lesson_runs`: commands the
  lesson performs itself, for things no kubectl command does (compaction, for example).
- Lessons from elsewhere ($KUBESIM_LESSONS_DIR) are untrusted input: every path they name is
  confined to their folder (sources) and work dir (targets), their commands are kubesim's own,
  run in-process with no shell, and before one of them runs any command or loads a controller
  the CLI shows what it will run and asks (no terminal, auto mode, CI: `--trust` or
  KUBESIM_TRUST_LESSONS=1, or nothing runs). kubesim's own lessons run as they are.
- Auto mode performs every step (the edit's solution file, `lesson_runs`, then `run`) through the
  CLI's main(argv) in-process, via a CommandRunner the CLI hands in (lessons never import cli),
  deterministic because each reconcile is seeded. It requires each check to fail before its
  step and to pass after it: that is what the tests and `lesson dev check` run.
- Predictions are asked on a terminal when a step begins (`lesson answer X` otherwise) and
  revealed, with the evidence commands' output (and the step's `show` frame), when the check
  passes. The first answer of each step is the one the score counts (recap, `lesson list`).
"""
