"""Roundtable reports (/roundtables/reports/): the 回访情况报告 (follow-up report, live or
issued as 第N期), the year's figures per series, and the registrations spreadsheet.
``reports`` builds them (reads only), ``views``/``urls`` serve them; issuing a report
is ``roundtables.services.follow_up_issue``."""
