"""Interop with the tools planners already use: Salesforce exports in, ForecastingQuota rows out."""
