"""The `kdumplayer check` pipeline: jobs, the worker runner, outcomes, reports, and the
Buildroot and Yocto readers."""
