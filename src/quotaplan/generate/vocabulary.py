"""The words and figures a synthetic plan is drawn from: names, industries, products, levels,
seniority, OTE bands, reasons. Data only."""

from __future__ import annotations

import numpy as np

#: Level names below the root, top first; the last level is always "Territory".
MIDDLE_LEVELS = ("Region", "Area", "District", "Zone", "Sector", "Unit")
LEVEL_CODES = {"Region": "RG", "Area": "AR", "District": "DI", "Zone": "ZO", "Sector": "SC",
               "Unit": "UN", "Territory": "TR"}
MAX_LEVELS = len(MIDDLE_LEVELS) + 1
ROOT_ID = "GLOBAL"
REGION_NAMES = ("North America", "EMEA", "APAC", "Latin America", "Japan", "ANZ", "India",
                "Middle East", "Africa", "Nordics", "DACH", "Benelux")
MANAGER_ROLES = ("Chief Revenue Officer", "Regional Vice President", "Area Vice President",
                 "District Manager")
FIRST_NAMES = ("Ava", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas",
               "Kavya", "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
               "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri",
               "Esther", "Felix", "Gita", "Hugo", "Ines", "Jamal", "Keiko", "Lars", "Mina", "Nikhil")
LAST_NAMES = ("Abbott", "Becker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
              "Ito", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel",
              "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Wagner", "Xu", "Yilmaz",
              "Zhang", "Alvarez", "Brennan", "Chen", "Dlamini", "Evans", "Ferreira", "Gupta",
              "Horvat", "Ivanova", "Johansson", "Kim", "Lopez", "Mensah", "Novak")
NAME_STEMS = ("Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
              "Juniper", "Keystone", "Lumen", "Meridian", "Northwind", "Orion", "Pioneer", "Quartz",
              "Redwood", "Summit", "Titan", "Umber", "Vertex", "Willow", "Xenon", "Yellowstone",
              "Zenith", "Atlas", "Beacon", "Cobalt", "Dynamo")
NAME_TAILS = ("Systems", "Holdings", "Labs", "Logistics", "Health", "Foods", "Energy", "Capital",
              "Retail", "Media", "Motors", "Networks", "Pharma", "Works", "Group", "Partners")
NAME_FORMS = ("Inc", "Ltd", "GmbH", "SA", "LLC", "plc")
INDUSTRIES = ("Technology", "Financial Services", "Healthcare", "Manufacturing", "Retail",
              "Energy", "Media", "Public Sector", "Logistics", "Education")
INDUSTRY_P = (0.18, 0.14, 0.12, 0.14, 0.11, 0.07, 0.06, 0.07, 0.06, 0.05)
PRODUCTS = ("Core Platform", "Analytics Suite", "Data Connectors", "Premium Support",
            "Professional Services")
PRODUCT_P = (0.38, 0.22, 0.15, 0.15, 0.10)
#: Share of the year's bookings by month of the fiscal year: quarter ends and Q4 heavy
#: (quarters 20 %, 23 %, 23 %, 34 %).
MONTH_WEIGHTS = np.array([5, 6, 9, 6, 7, 10, 6, 7, 10, 8, 10, 16], dtype=np.float64) / 100
SENIORITY = ("junior", "mid", "senior", "principal")
SENIORITY_FACTORS = (0.9, 1.0, 1.1, 1.2)
#: OTE band (currency units) by seniority, same order as :data:`SENIORITY`.
OTE_BANDS = ((150_000, 180_000), (180_000, 220_000), (220_000, 260_000), (260_000, 300_000))
#: Last year's bookings per quota carrier, in currency units: ≈ 4 × a mid OTE, so that quotas
#: (last year × ~1.2, padded) land mid-way in the healthy quota : OTE band [4, 6].
BOOKINGS_PER_CARRIER = 800_000
ENTERPRISE_REVENUE = 500_000_000
MID_MARKET_REVENUE = 50_000_000
OVERRIDE_DOWN = ("Customer consolidating vendors", "Budget freeze announced by the customer",
                 "Renewal moved to next fiscal year")
OVERRIDE_UP = ("Signed expansion commitment", "New division onboarding")
ADJUSTMENT_REASONS = ("Territory realignment relief", "Carry-over pipeline from last year",
                      "Leave of absence in Q2", "Strategic partner launch")
