"""History and time travel: any object and any projection at any revision, from the journal.

history.py indexes the store's history and journal; seek.py keeps read-side checkpoints;
state.py builds a frame (kubesim.view's StageState) at a revision; why.py the causal chain;
diff.py field-level diffs; rebuild.py rebuilds a projection from the event stream; fork.py copies
a history into a new store; export.py writes SVGs / an HTML timeline; blocks.py plain text per
step; player.py the interactive player (drawn by kubesim.view.live). Used by cli/replay.py and
lessons.
"""
