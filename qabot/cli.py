"""`qabot` command line: a thin shell over the index maintainer and its library.

Heavy modules (torch, sentence-transformers, faiss) are imported only by the commands
that need them, so `qabot --help` is instant. Domain errors become one line on stderr
and an exit code: 2 for bad input or settings, 1 for other failures.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from qabot import __version__
from qabot.collector import collector_paused
from qabot.errors import QabotError, QuestionError

if TYPE_CHECKING:
    from qabot.index.update import IndexUpdate
    from qabot.library import Library
    from qabot.maintainer import IndexMaintainer
    from qabot.search.query import PartChoice
    from qabot.settings import Group, Settings


INTERRUPTED = 130  # the shell's code for Ctrl-C


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"qabot: error: {message}", err=True)
    sys.exit(code)


def _fail_interrupted(*, updating: bool = False) -> NoReturn:
    """Ctrl-C: nothing half-written is ever live (new indexes are swapped in whole)."""
    dropped = " (the update in progress was dropped)" if updating else ""
    click.echo(f"\nqabot: interrupted; the saved index is whole and usable{dropped}", err=True)
    sys.exit(INTERRUPTED)


def _notify(message: str) -> None:
    """The maintainer's notes on stderr; warnings and notes in the usual `qabot:` format."""
    if message.startswith(("warning:", "note:")):
        message = f"qabot: {message}"
    click.echo(message, err=True)


class _Group(click.Group):
    """Turns QabotError, click's usage errors and any unexpected error into one
    `qabot: error:` line and an exit code (usage errors: 2, with click's hint)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "qabot"
            message = _sentence(error.format_message())
            hint = f"see '{where} --help'"
            _fail(
                f"{message} {hint[0].upper()}{hint[1:]}"
                if message.endswith("?")
                else f"{message}; {hint}",
                2,
            )
        except click.ClickException as error:
            _fail(_sentence(error.format_message()), error.exit_code)
        except click.exceptions.Abort:
            _fail_interrupted()  # a prompt's Ctrl-C: nothing was updating
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QabotError as error:
            _fail(_worded(error), error.exit_code)
        except BrokenPipeError:  # `qabot passages | head`
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            maintainer = (ctx.obj or {}).get("maintainer")
            _fail_interrupted(updating=maintainer is not None and maintainer.dropped_update)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(f"unexpected {type(error).__name__}: {error} (run with --debug for details)", 1)


_FLAGS = {"date": "--date", "section": "--section", "part": "--part"}


def _sentence(message: str) -> str:
    """Click's message in qabot's style: lower-case start, no closing full stop."""
    message = " ".join(message.split())
    if message[:1].isupper() and not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    return message.removesuffix(".")


def _worded(error: QabotError) -> str:
    """A search error in the CLI's own words: a filter is named by its flag."""
    from qabot.search.query import FilterError

    if isinstance(error, FilterError):
        return f"{_FLAGS.get(error.field, error.field)} {error.value!r}: {error.reason}"
    return str(error)


def _emphasis() -> str:
    """Bold on a terminal (unless NO_COLOR is set), **markers** when piped."""
    import os

    if sys.stdout.isatty():
        return "none" if os.environ.get("NO_COLOR") else "ansi"
    return "markdown"


def _terminal_width() -> int:
    return min(shutil.get_terminal_size((88, 24)).columns, 100)


# The groups of settings each command reads (``qabot.settings``): a bad value of any
# other setting does not stop it.
_USES: dict[str, tuple[Group, ...]] = {
    "index": ("storage",),
    "passages": ("storage",),
    "entry": ("storage",),
    "timeline": ("storage",),
    "show": ("storage",),
    "verify": ("storage", "answering"),
    "watch": ("storage", "watch"),
    "ask": ("storage", "answering"),
    "eval": ("storage", "answering"),
    "bot": ("storage", "answering", "discord"),
}


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    """The one Settings object for this run, built on first use.

    ``overrides`` are the command's flags (they win over every other source); a bad
    value of a setting the command does not read is reported and does not stop it.
    """
    if "settings" not in ctx.obj:
        from qabot.settings import load_settings, settings_of

        groups = _USES.get(ctx.command.name or "")
        ctx.obj["settings"] = load_settings(
            ctx.obj.get("config"),
            uses=None if groups is None else settings_of(*groups),
            warn=lambda message: click.echo(f"qabot: warning: {message}", err=True),
            **{k: v for k, v in overrides.items() if v is not None},
        )
    return ctx.obj["settings"]


def _maintainer(ctx: click.Context) -> IndexMaintainer:
    from qabot.maintainer import IndexMaintainer

    maintainer = IndexMaintainer(_settings(ctx), notify=_notify)
    ctx.obj["maintainer"] = maintainer  # Ctrl-C asks it whether an update was running
    return maintainer


def _library(ctx: click.Context, maintainer: IndexMaintainer, *, build: bool = True) -> Library:
    """The maintainer's library, the index built or updated first (with a progress bar).

    The collector is paused while it is made (``qabot.collector``), a build included
    when one is needed (its peak memory the same: the whole diary's 691 MB, against
    696 MB for `qabot index` in the benchmark). The commands that call this answer and
    exit, so when run as the ``qabot`` program (``main``) what is loaded lives until
    the process ends: ``gc.freeze`` then takes it out of the collector's sight for
    good, which would otherwise scan it all again on the first question (the figures:
    ``qabot.collector``).
    """
    import gc

    with collector_paused():
        library = maintainer.library(build_if_needed=build, progress=_progress_bar("Embedding"))
        if ctx.obj.get("exits_after"):
            gc.freeze()
    return library


def _echo_json(record: dict[str, Any]) -> None:
    from qabot.formatting.records import dumps

    click.echo(dumps(record))


def _progress_bar(description: str) -> Callable[[int], Callable[[int], None]]:
    """A tqdm bar on stderr (shown on a terminal only), as a ``total → advance`` factory.

    It counts tokens, not texts: texts are embedded longest first in batches of similar
    length, so tokens per second stay steady and the time left is estimated honestly.
    """

    def start(total: int) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(
            total=total,
            desc=description,
            unit=" tokens",
            unit_scale=True,
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            leave=False,
        )

        def advance(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return advance

    return start


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qabot")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (TOML). Default: $QABOT_CONFIG or config/qabot.toml.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, debug: bool) -> None:
    """Answer questions about the texts in corpus/ by quoting them, with citations."""
    ctx.ensure_object(dict)
    ctx.obj.update(config=config, debug=debug)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogLine())
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler])


class _LogLine(logging.Formatter):
    """Log records in the style of qabot's own lines: `qabot: warning: …`."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return f"qabot: {record.levelname.lower()}: {text}"


def _print_update(maintainer: IndexMaintainer, report: IndexUpdate) -> None:
    """The change report on stdout; one warning line per file that was not indexed."""
    from qabot.formatting.terminal import fit_lines

    for warning in maintainer.failure_warnings(report):
        click.echo(f"qabot: warning: {warning}", err=True)
    click.echo(fit_lines(report.summary(), _terminal_width()))


@cli.command()
@click.option("--force", is_flag=True, help="Re-chunk and re-embed everything.")
@click.pass_context
def index(ctx: click.Context, force: bool) -> None:
    """Update the index of the corpus: embed only the passages that changed."""
    maintainer = _maintainer(ctx)
    report = maintainer.update(force=force, progress=_progress_bar("Embedding"))
    _print_update(maintainer, report)


@cli.command()
@click.pass_context
def watch(ctx: click.Context) -> None:
    """Watch corpus/ and update the index whenever a text changes (Ctrl-C stops)."""
    from qabot.watcher import watch_corpus

    maintainer = _maintainer(ctx)
    settings = _settings(ctx)
    click.echo(f"Watching {settings.corpus_dir} (Ctrl-C to stop)…", err=True)

    def on_error(error: Exception) -> None:
        click.echo(f"qabot: error: {error} (still watching)", err=True)

    try:
        watch_corpus(
            maintainer,
            on_update=lambda report: _print_update(maintainer, report),
            on_error=on_error,
            debounce_ms=settings.watch_debounce_ms,
        )
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)


def _questions(question: str) -> Iterator[str]:
    if question != "-":
        yield question
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


@cli.command()
@click.argument("question")
@click.option(
    "-k", "--results", "k", type=click.IntRange(1, 20), help="Passages to show (default 3)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question, per line.")
@click.option("--no-build", is_flag=True, help="Fail instead of building a missing or stale index.")
@click.option(
    "--date",
    "entry_date",
    metavar="YYYY-MM-DD",
    help="Only the dated entry of that day (or the nearest ones, with a note); MM-DD for a "
    "text that gives no year.",
)
@click.option("--section", metavar="NAME", help="Only passages under this section heading.")
@click.option(
    "--part",
    type=click.Choice(["text", "notes", "editorial", "all"]),
    help="Parts of the book to search: only the author's text, only notes, only editorial "
    "matter, or all alike. Default: all, the text first unless the question asks for a "
    "note or the editor.",
)
@click.pass_context
def ask(
    ctx: click.Context,
    question: str,
    k: int | None,
    as_json: bool,
    no_build: bool,
    entry_date: str | None,
    section: str | None,
    part: PartChoice | None,
) -> None:
    """Answer QUESTION with cited passages; QUESTION '-' reads one question per line from stdin."""
    from qabot.formatting.records import answer_record
    from qabot.formatting.terminal import render_answer
    from qabot.search.query import Filters, Query

    filters = Filters(date=entry_date, section=section, part=part)
    settings = _settings(ctx, top_k=k)  # -k wins over QABOT_TOP_K, whatever its value
    if question != "-":  # a bad question fails before anything loads
        Query.make(question, settings.top_k, filters, max_chars=settings.max_question_chars)
    maintainer = _maintainer(ctx)
    maintainer.prefetch_query_embedder()  # loads beside the index (docs: performance)
    library = _library(ctx, maintainer, build=not no_build)
    invalid = 0
    for text in _questions(question):
        try:
            answer = library.ask(text, k, filters)
        except QuestionError as error:
            if question != "-":
                raise
            invalid += 1
            click.echo(f"qabot: error: {_worded(error)} (question skipped)", err=True)
            continue
        if as_json:
            _echo_json(answer_record(answer))
        else:
            click.echo(render_answer(answer, _terminal_width(), _emphasis()))
    if invalid:
        sys.exit(QuestionError.exit_code)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per passage, per line.")
@click.pass_context
def passages(ctx: click.Context, as_json: bool) -> None:
    """List every passage of the index, in corpus order."""
    from qabot.formatting.records import passage_record
    from qabot.formatting.terminal import render_passage

    library = _library(ctx, _maintainer(ctx))
    for passage in library.passages():
        if as_json:
            _echo_json(passage_record(passage))
        else:
            click.echo(render_passage(passage, _terminal_width()))


@cli.command()
@click.argument("day", metavar="DATE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def entry(ctx: click.Context, day: str, as_json: bool) -> None:
    """Show the entry of DATE (1937-01-09, "January 9", "Jan 9 1937") from its start."""
    from qabot.formatting.records import entry_record
    from qabot.formatting.terminal import render_reading

    view = _library(ctx, _maintainer(ctx)).entry(day)
    if as_json:
        _echo_json(entry_record(view))
    else:
        click.echo(render_reading(view.passages, [view.note or ""], _terminal_width()))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, per line.")
@click.pass_context
def timeline(ctx: click.Context, as_json: bool) -> None:
    """List each document's entries (date, first words) and sections, in order."""
    from qabot.formatting.records import timeline_record
    from qabot.formatting.terminal import render_timeline

    documents = _library(ctx, _maintainer(ctx)).timeline()
    if as_json:
        for document in documents:
            _echo_json(timeline_record(document))
        return
    click.echo(render_timeline(documents, _terminal_width()), nl=False)


@cli.command()
@click.argument("passage_id", type=int)
@click.option("--context", "context", type=click.IntRange(0, 20), default=0,
              help="Passages to show before and after it (default 0).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def show(ctx: click.Context, passage_id: int, context: int, as_json: bool) -> None:
    """Show a passage by its id (from --json output) with its neighbours."""
    from qabot.formatting.records import window_record
    from qabot.formatting.terminal import render_reading

    window = _library(ctx, _maintainer(ctx)).show(passage_id, context)
    if as_json:
        _echo_json(window_record(window))
        return
    width = _terminal_width()
    click.echo(render_reading(window.passages, [window.note or ""], width, window.focus))


@cli.command()
@click.argument("quote")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def verify(ctx: click.Context, quote: str, as_json: bool) -> None:
    """Say whether QUOTE is in the text: exact, close (with the text's wording), or absent."""
    from qabot.formatting.records import verdict_record
    from qabot.formatting.terminal import render_verdict
    from qabot.search.query import Query

    settings = _settings(ctx)
    Query.make(quote, 1, max_chars=settings.max_question_chars)  # fails before loading
    maintainer = _maintainer(ctx)
    maintainer.prefetch_query_embedder()
    verdict = _library(ctx, maintainer).verify(quote)
    if as_json:
        _echo_json(verdict_record(verdict))
        return
    click.echo(render_verdict(verdict, _terminal_width()))


@cli.command(name="eval")
@click.argument(
    "questions", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question, per line.")
@click.pass_context
def eval_command(ctx: click.Context, questions: tuple[Path, ...], as_json: bool) -> None:
    """Measure retrieval and abstention on labeled question files, held out (see docs/quality.md).

    A file whose first line names a corpus ({"corpus": "book.epub"}) is answered from
    that book (indexed once under embeddings/eval/); the others from the configured
    corpus. With several files, everything fitted is also validated leaving one book out.
    """
    from qabot.evaluation import evaluate, records
    from qabot.evaluation.books import Book, book_records, evaluate_books, settings_for
    from qabot.evaluation.cases import load_question_set
    from qabot.maintainer import IndexMaintainer

    sets = [load_question_set(path) for path in questions]  # bad files fail before loading
    settings = _settings(ctx)
    books = []
    for question_set in sets:
        maintainer = IndexMaintainer(
            settings_for(settings, question_set),
            notify=_notify,
            models_home=settings.embeddings_dir,
        )
        books.append(Book(question_set, _library(ctx, maintainer)))
    if len(books) == 1:
        evaluation = evaluate(books[0].library, list(sets[0].cases))
        if as_json:
            for record in records(evaluation):
                _echo_json(record)
            return
        click.echo(evaluation.report)
        return
    result = evaluate_books(books)
    if as_json:
        for record in book_records(result):
            _echo_json(record)
        return
    click.echo(result.report)


@cli.command()
@click.pass_context
def bot(ctx: click.Context) -> None:
    """Run the Discord bot (token from QABOT_DISCORD_TOKEN, in the environment or .env)."""
    from qabot.bot import check_token, run_bot

    settings = _settings(ctx)
    check_token(settings)  # a missing or malformed token fails before anything loads
    run_bot(settings, _maintainer(ctx))


def main() -> NoReturn:
    """Console-script entry point.

    Ends with ``os._exit`` once the output is flushed: every file is written and closed
    and the index lock released by then, and skipping the interpreter's teardown (the
    model session, thousands of objects) saves about 0.1 s of every `qabot ask`.
    """
    import os

    try:
        cli(prog_name="qabot", obj={"exits_after": True})  # see ``_library``
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # `qabot … | head`; closed
            stream.flush()
    os._exit(code)
