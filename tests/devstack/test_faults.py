"""The fault injector's reports: whole JSON at every moment, so a poller SIGKILLed mid-run still adds up."""

from devstack.faults import Faults, reported_counts


def test_each_fault_leaves_a_complete_report_and_no_partial_file(tmp_path):
    # GIVEN an injector reporting into a folder, as the load run's pollers do
    faults = Faults(report_dir=str(tmp_path))

    # WHEN it counts faults (a SIGKILL may land between any two)
    faults._count("s3.GetObject")
    faults._count("s3.GetObject")
    faults._count("sqs.SendMessage")

    # THEN the folder holds one whole report, replaced atomically, and the totals read back
    assert [path.name for path in tmp_path.iterdir()] == [faults.report_path.name]
    assert reported_counts(tmp_path) == {"s3.GetObject": 2, "sqs.SendMessage": 1}
