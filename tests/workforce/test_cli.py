"""`sigap wfm staff` and `sigap wfm simulate` on files with good and bad rows (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from sigap.cli import app
from sigap.workforce.erlang import staff

runner = CliRunner()
HEADER = ("queue,interval_start,interval_minutes,volume,aht_seconds,target_service_level,"
          "target_answer_seconds,shrinkage,max_occupancy,patience_seconds\n")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_staff_keeps_good_rows_and_reports_bad_ones(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", HEADER + "\n".join([
        "voice,2026-12-01T08:00,30,100,180,0.8,20,0.3,0.85,",     # line 2
        "voice,2026-12-01T08:30,30,abc,240,0.8,20,0.3,1,",        # line 3: volume
        "voice,2026-12-01T09:00,30,360,240,80%,20,0.3,1,",        # line 4
        "voice,2026-12-01T09:30,30,360,240,1.5,20,0.3,1,",        # line 5: target > 1
        "voice,2026-12-01T10:00,30,0,240,0.8,20,0.3,1,",          # line 6: zero volume
        "chat,2026-12-01T10:30,30,360,240,0.8,20,1,1,",           # line 7: shrinkage 1
        ",2026-12-01T11:00,30,360,240,0.8,20,0.3,1,",             # line 8: no queue
        "voice,2026-12-01T11:30,30,360,240,0.8,20,0.3,1,120",     # line 9: Erlang A
    ]) + "\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["wfm", "staff", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 1, result.output
    for line, column in ((3, "volume"), (5, "target_service_level"), (7, "shrinkage"),
                         (8, "queue")):
        assert f"baris {line}: {column}" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["interval_start"][-5:] for r in rows] == ["08:00", "09:00", "10:00", "11:30"]
    assert (rows[0]["raw_agents"], rows[0]["agents"]) == ("14", "20")
    assert float(rows[0]["service_level"]) == float(f"{0.8883500191794669:.6f}")
    expect = staff(360, 30, 240, 0.8, 20, 0.3)
    assert int(rows[1]["raw_agents"]) == int(expect.raw_agents)
    assert int(rows[1]["agents"]) == int(expect.agents)
    assert (rows[2]["raw_agents"], rows[2]["agents"]) == ("0", "0")
    erlang_a = staff(360, 30, 240, 0.8, 20, 0.3, patience_seconds=120)
    assert int(rows[3]["raw_agents"]) == int(erlang_a.raw_agents)
    assert float(rows[3]["abandon_rate"]) > 0
    assert set(rows[0]) >= {"raw_agents", "agents", "service_level", "asa_seconds",
                            "occupancy", "waiting_probability"}


def test_staff_writes_xlsx_and_refuses_a_file_without_columns(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", HEADER + "voice,08:00,15,50,300,0.9,15,0.25,0.9,\n")
    out = tmp_path / "out.xlsx"
    ok = runner.invoke(app, ["wfm", "staff", "--input", str(src), "--output", str(out)])
    assert ok.exit_code == 0, ok.output
    sheet = load_workbook(out).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-7:] == ("raw_agents", "agents", "service_level", "asa_seconds",
                              "occupancy", "waiting_probability", "abandon_rate")
    assert values[1][values[0].index("agents")] == int(staff(50, 15, 300, 0.9, 15, 0.25,
                                                             0.9).agents)
    bad = _write(tmp_path / "bad.csv", "queue,volume\nvoice,10\n")
    refused = runner.invoke(app, ["wfm", "staff", "--input", str(bad), "--output", str(out)])
    assert refused.exit_code == 2
    assert "kolom wajib tidak ada" in refused.output


def test_simulate_from_csv_files(tmp_path: Path) -> None:
    arrivals = _write(tmp_path / "arrivals.csv", "\n".join([
        "queue,interval_start,volume,aht_seconds,patience_seconds,priority",
        "billing,08:00,40,240,90,1",
        "billing,08:15,50,240,90,1",
        "tech,08:00,20,420,,2",
        "tech,08:15,xx,420,,2",          # line 5: volume
        "tech,08:17,3,420,,2",           # line 6: not an interval start
        "billing,08:30,30,240,60,1",     # line 7: patience differs within the queue
    ]) + "\n")
    agents = _write(tmp_path / "agents.csv", "\n".join([
        "agent,skills,shift_start,shift_end,breaks,day",
        "ani,billing:1;tech:2,07:30,16:30,10:00+15,",
        "budi,tech,22:00,07:00,02:00+30,-1",
        "budi,tech,08:00,10:00,,",
        "cici,billing,08:00,17:00,18:00+15,",    # line 5: break outside the shift
        "dedi,,08:00,17:00,,",                   # line 6: no skills
    ]) + "\n")
    out = tmp_path / "sim.csv"
    args = ["wfm", "simulate", "--arrivals", str(arrivals), "--agents", str(agents),
            "--seed", "3", "--output", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    for text in ("arrivals.csv: baris 5: volume", "arrivals.csv: baris 6: interval_start",
                 "arrivals.csv: baris 7: queue", "agents.csv: baris 5: breaks",
                 "agents.csv: baris 6: skills"):
        assert text in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 2 * 96
    at_eight = {r["queue"]: r for r in rows if r["interval_start"] == "08:00"}
    assert int(at_eight["billing"]["offered"]) > 0 and int(at_eight["tech"]["offered"]) > 0
    for r in rows:
        assert int(r["offered"]) >= int(r["answered"]) + int(r["abandoned"])
    again = tmp_path / "again.csv"
    runner.invoke(app, [*args[:-1], str(again)])
    assert again.read_text() == out.read_text()


def test_staff_and_month_options_are_checked(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", HEADER + "voice,08:00,15,50,300,0.9,15,0.25,0.9,\n")
    wrong = runner.invoke(app, ["wfm", "staff", "--input", str(src), "--output",
                                str(tmp_path / "out.txt")])
    assert wrong.exit_code == 2 and "--output harus berakhiran .csv atau .xlsx" in wrong.output
    assert not (tmp_path / "out.txt").exists()
    # A month is YYYY-MM: "2026-1" is refused (it was read as January) before any
    # database is opened.
    month = runner.invoke(app, ["wfm", "roster", "--month", "2026-1"],
                          env={"SIGAP_DATABASE_URL": "sqlite:///" + str(tmp_path / "no.db")})
    assert month.exit_code == 2 and "YYYY-MM" in month.output
