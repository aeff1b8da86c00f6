"""``formcheck serve``: start the web app (127.0.0.1 by default; a token on other hosts)."""

from __future__ import annotations

from pathlib import Path

import click

from formcheck.web.settings import DEFAULT_MAX_DURATION_S, DEFAULT_MAX_UPLOAD_BYTES, WebSettings


def _lan_address() -> str:
    """Return this machine's address on the local network (127.0.0.1 when there is none).

    Connecting a UDP socket sends nothing; it only asks the kernel which interface would
    be used, so the phone gets an address it can reach.
    """
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _qr(url: str) -> str | None:
    """Return a terminal QR code of ``url`` when the optional ``qrcode`` package is present."""
    try:
        import io

        import qrcode
    except ImportError:
        return None
    qr = qrcode.QRCode(border=1)
    qr.add_data(url)
    out = io.StringIO()
    qr.print_ascii(out=out)
    return out.getvalue()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves phones on your Wi-Fi (token needed).")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database (default: $FORMCHECK_DB or the training log's file).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where uploads and reports are kept (default: the user data dir).")
@click.option("--workers", default=0, show_default=True, type=int,
              help="Analysis processes at once; 0 means one per core.")
@click.option("--max-upload-mb", default=DEFAULT_MAX_UPLOAD_BYTES >> 20, show_default=True,
              type=int, help="Largest upload in MiB.")
@click.option("--max-duration-s", default=DEFAULT_MAX_DURATION_S, show_default=True,
              type=float, help="Longest clip in seconds.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Pose-track cache (default $FORMCHECK_CACHE_DIR or the user cache).")
@click.option("--sample", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A video to queue for analysis at start when nothing is stored yet.")
def serve(host: str, port: int, db_url: str | None, data_dir: Path | None, workers: int,
          max_upload_mb: int, max_duration_s: float, cache_dir: Path | None,
          sample: Path | None) -> None:
    """Run the web app: upload videos, see reports, triage soreness, keep the log."""
    import os

    import uvicorn

    from formcheck.web.app import create_app

    base = WebSettings(host=host, port=port, db_url=db_url, workers=workers,
                       max_upload_bytes=max_upload_mb << 20, max_duration_s=max_duration_s,
                       cache_dir=cache_dir, token=os.environ.get("FORMCHECK_WEB_TOKEN"))
    if data_dir is not None:
        base = WebSettings(**{**base.__dict__, "data_dir": data_dir})
    settings = base.checked()
    app = create_app(settings)
    if sample is not None:
        from formcheck.web.pages_analysis import queue_sample

        queued = queue_sample(app, sample)
        if queued:
            click.echo(f"queued the sample {sample.name}: /analyses/{queued}")
    shown = _lan_address() if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/"
    if settings.token:
        url += f"?token={settings.token}"
        click.echo("This server accepts other machines: open it with the token below.")
    click.echo(f"formcheck web app: {url}", nl=True)
    qr = _qr(url) if settings.token else None
    if qr:
        click.echo(qr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
