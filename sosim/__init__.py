"""The face of sosim: the ``sosim`` command (``cli``) and the teaching dashboard (``dashboard``).

This package sits above both layers: it may import the model (``sim``) and the analysis layer
(``analysis``), while neither of them imports it, so the model package never knows sweeps,
reports or the screen. Nothing is imported here, so ``sosim --help`` stays quick.
"""
