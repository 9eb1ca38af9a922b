"""Interop with the tools planners already use: Salesforce exports in and ForecastingQuota rows
out; Excel workbooks out and in."""
