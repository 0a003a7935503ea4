"""`qabot watch`: update the index whenever the corpus folder changes.

Edits are debounced (an editor's save is often several file events), and the update is
the same incremental step as `qabot index`, under the same lock, so a watcher and a
manual `qabot index` never write at once. A failed update is reported and watching goes
on: the previous index stays live.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from qabot.errors import QabotError

if TYPE_CHECKING:
    from qabot.index.update import IndexUpdate
    from qabot.maintainer import IndexMaintainer

log = logging.getLogger(__name__)


def watch_corpus(
    maintainer: IndexMaintainer,
    *,
    on_update: Callable[[IndexUpdate], None],
    on_error: Callable[[Exception], None],
    debounce_ms: int = 1000,
    stop_event: threading.Event | None = None,
) -> None:
    """Bring the index up to date now, then after every batch of corpus changes.

    Blocks until ``stop_event`` is set (or KeyboardInterrupt). The first update, and every
    later one that wrote a new index or found a bad file, is passed to ``on_update``;
    errors (an unreadable folder, a damaged index, a full disk) go to ``on_error`` and
    watching continues.
    """
    from watchfiles import watch

    def run_update(initial: bool = False) -> None:
        try:
            report = maintainer.update()
        except (QabotError, OSError) as error:
            on_error(error)
            return
        if initial or not report.up_to_date or report.failed:
            on_update(report)

    # The first (possibly empty) batch arrives once the watcher is live, so the initial
    # update runs after it: an edit made meanwhile is never missed.
    first = True
    for changes in watch(
        maintainer.settings.corpus_dir,
        debounce=debounce_ms,
        stop_event=stop_event,
        rust_timeout=500,
        yield_on_timeout=True,
        raise_interrupt=True,
    ):
        if changes:
            log.info("corpus changed: %d event(s)", len(changes))
        if first or changes:
            run_update(initial=first)
            first = False
