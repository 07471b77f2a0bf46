"""Floor 2: a program as a whole. `builtins` (channels, consent, functions), `loader`
(files -> `Program`, per-kind namespaces) and `analysis` (the `Analysis` record every
pass reads and fills; it sits below both the pipeline and the passes).
"""
