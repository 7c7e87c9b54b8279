"""Every built-in rule, with a record that fires it and one that does not.

Each case starts from ``support.BASE`` (an adult's face someone else posted publicly on
social media, no consent, no opt-out, the clearview-style crawl, every fact known), places it
in a jurisdiction and changes only what the rule turns on. A "does not fire" case must be a
decided ``False``: the pack must apply and the rule must not be left undecided, so a rule
that silently stops matching fails its positive case and a rule that matches everything
fails its negative one. ``test_every_rule_has_both_cases`` keeps the table complete.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from policies import evaluate
from tests.policies.support import at, builtin_packs, pack_of, record

FIRES = True
QUIET = False
WEAK_CA = {
    "site_jurisdictions": at("CA", confidence=0.3),
    "subject_jurisdictions": at("CA", confidence=0.3),
}


def weak(code: str) -> dict[str, Any]:
    """Both candidates in ``code`` but only at 0.3: in play, not established."""
    return {
        "site_jurisdictions": at(code, confidence=0.3),
        "subject_jurisdictions": at(code, confidence=0.3),
    }


CASES: list[tuple[str, bool, str, dict[str, Any]]] = [
    # Canada, federal (ca-pipeda)
    # CA-PIPEDA-SCOPE — fires: an educator's crawl is not commercial activity
    ("CA-PIPEDA-SCOPE", FIRES, "CA-ON", {"actor_is_commercial": False}),
    # CA-PIPEDA-SCOPE — fires: the Canadian connection rests on 0.3 candidates only
    ("CA-PIPEDA-SCOPE", FIRES, "CA-ON", WEAK_CA),
    # CA-PIPEDA-SCOPE — fires: a journalistic purpose may be out of scope
    ("CA-PIPEDA-SCOPE", FIRES, "CA-ON", {"purpose": "journalism"}),
    # CA-PIPEDA-SCOPE — does not fire: commercial crawl, Canadian site and subject at 0.9
    ("CA-PIPEDA-SCOPE", QUIET, "CA-ON", {}),
    # CA-PIPEDA-CONSENT — fires: a face from social media with no consent at all
    ("CA-PIPEDA-CONSENT", FIRES, "CA-ON", {}),
    # CA-PIPEDA-CONSENT — does not fire: a newspaper is a listed source (other rules test it)
    ("CA-PIPEDA-CONSENT", QUIET, "CA-ON", {"source_type": "news_publication"}),
    # CA-PIPEDA-CONSENT — does not fire: no face, no identifiable person
    ("CA-PIPEDA-CONSENT", QUIET, "CA-ON", {"contains_face": False, "face_count": 0}),
    # CA-PIPEDA-PUBLIC-NOT-CONSENT — fires: reachable social media is not "publicly available"
    ("CA-PIPEDA-PUBLIC-NOT-CONSENT", FIRES, "CA-ON", {}),
    # CA-PIPEDA-PUBLIC-NOT-CONSENT — fires: a school newsletter is not on the closed list either
    ("CA-PIPEDA-PUBLIC-NOT-CONSENT", FIRES, "CA-ON", {"source_type": "school_newsletter"}),
    # CA-PIPEDA-PUBLIC-NOT-CONSENT — does not fire: a court record is one of the listed sources
    ("CA-PIPEDA-PUBLIC-NOT-CONSENT", QUIET, "CA-ON", {"source_type": "court_record"}),
    # CA-PIPEDA-SOCIAL-MEDIA — fires: social media is not a "publication"
    ("CA-PIPEDA-SOCIAL-MEDIA", FIRES, "CA-ON", {}),
    # CA-PIPEDA-SOCIAL-MEDIA — does not fire: the person gave explicit consent
    ("CA-PIPEDA-SOCIAL-MEDIA", QUIET, "CA-ON", {"consent_evidence": "explicit"}),
    # CA-PIPEDA-PUB-PROVIDED — fires: newspaper photo, who supplied it is unknown
    (
        "CA-PIPEDA-PUB-PROVIDED",
        FIRES,
        "CA-ON",
        {"source_type": "news_publication", "uploader_is_subject": None},
    ),
    # CA-PIPEDA-PUB-PROVIDED — fires: newspaper photo taken by someone else
    ("CA-PIPEDA-PUB-PROVIDED", FIRES, "CA-ON", {"source_type": "news_publication"}),
    # CA-PIPEDA-PUB-PROVIDED — does not fire: the person supplied the photo to the paper
    (
        "CA-PIPEDA-PUB-PROVIDED",
        QUIET,
        "CA-ON",
        {"source_type": "news_publication", "uploader_is_subject": True},
    ),
    # CA-PIPEDA-PUB-PURPOSE-LINK — fires: a business directory photo reused for face search
    ("CA-PIPEDA-PUB-PURPOSE-LINK", FIRES, "CA-ON", {"source_type": "business_directory"}),
    # CA-PIPEDA-PUB-PURPOSE-LINK — does not fire: same photo, journalistic purpose
    (
        "CA-PIPEDA-PUB-PURPOSE-LINK",
        QUIET,
        "CA-ON",
        {"source_type": "business_directory", "purpose": "journalism"},
    ),
    # CA-PIPEDA-DIRECTORY-IMAGES — fires: an image in a telephone directory
    ("CA-PIPEDA-DIRECTORY-IMAGES", FIRES, "CA-ON", {"source_type": "telephone_directory"}),
    # CA-PIPEDA-DIRECTORY-IMAGES — does not fire: not a telephone directory
    ("CA-PIPEDA-DIRECTORY-IMAGES", QUIET, "CA-ON", {}),
    # CA-PIPEDA-LICENSE-NOT-CONSENT — fires: only the photographer's CC licence
    (
        "CA-PIPEDA-LICENSE-NOT-CONSENT",
        FIRES,
        "CA-ON",
        {"consent_evidence": "license", "license": "CC-BY-4.0"},
    ),
    # CA-PIPEDA-LICENSE-NOT-CONSENT — does not fire: no licence claimed
    ("CA-PIPEDA-LICENSE-NOT-CONSENT", QUIET, "CA-ON", {}),
    # CA-PIPEDA-BIOMETRIC-EXPRESS — fires: templates made without express consent
    ("CA-PIPEDA-BIOMETRIC-EXPRESS", FIRES, "CA-ON", {}),
    # CA-PIPEDA-BIOMETRIC-EXPRESS — does not fire: express consent on record
    ("CA-PIPEDA-BIOMETRIC-EXPRESS", QUIET, "CA-ON", {"consent_evidence": "explicit"}),
    # CA-PIPEDA-BIOMETRIC-EXPRESS — does not fire: a face alone is not biometric processing
    ("CA-PIPEDA-BIOMETRIC-EXPRESS", QUIET, "CA-ON", {"profile": "education-demo"}),
    # CA-PIPEDA-APPROPRIATE-PURPOSE — fires: a facial-recognition database, whatever the consent
    ("CA-PIPEDA-APPROPRIATE-PURPOSE", FIRES, "CA-ON", {"consent_evidence": "explicit"}),
    # CA-PIPEDA-APPROPRIATE-PURPOSE — does not fire: research purpose
    ("CA-PIPEDA-APPROPRIATE-PURPOSE", QUIET, "CA-ON", {"profile": "research"}),
    # CA-PIPEDA-INDISCRIMINATE — fires: untargeted face crawl for a face-search database
    ("CA-PIPEDA-INDISCRIMINATE", FIRES, "CA-ON", {}),
    # CA-PIPEDA-INDISCRIMINATE — does not fire: targeted collection
    ("CA-PIPEDA-INDISCRIMINATE", QUIET, "CA-ON", {"scraping_is_targeted": True}),
    # CA-PIPEDA-RESEARCH — fires: research without consent
    ("CA-PIPEDA-RESEARCH", FIRES, "CA-ON", {"profile": "research"}),
    # CA-PIPEDA-RESEARCH — does not fire: research with explicit consent
    ("CA-PIPEDA-RESEARCH", QUIET, "CA-ON", {"profile": "research", "consent_evidence": "explicit"}),
    # CA-PIPEDA-ARCHIVE — fires: archiving purpose
    ("CA-PIPEDA-ARCHIVE", FIRES, "CA-ON", {"purpose": "archiving"}),
    # CA-PIPEDA-ARCHIVE — does not fire: not archiving
    ("CA-PIPEDA-ARCHIVE", QUIET, "CA-ON", {}),
    # CA-PIPEDA-MINOR — fires: a known minor
    ("CA-PIPEDA-MINOR", FIRES, "CA-ON", {"subject_is_minor": True}),
    # CA-PIPEDA-MINOR — fires: age unknown and a face is shown
    ("CA-PIPEDA-MINOR", FIRES, "CA-ON", {"subject_is_minor": None}),
    # CA-PIPEDA-MINOR — does not fire: a known adult
    ("CA-PIPEDA-MINOR", QUIET, "CA-ON", {}),
    # CA-PIPEDA-MINOR — does not fire: age unknown but no face in the image
    ("CA-PIPEDA-MINOR", QUIET, "CA-ON", {"subject_is_minor": None, "contains_face": False}),
    # CA-PIPEDA-OPTOUT-EVIDENCE — fires: the page said noai
    ("CA-PIPEDA-OPTOUT-EVIDENCE", FIRES, "CA-ON", {"optout_signals": ("noai",)}),
    # CA-PIPEDA-OPTOUT-EVIDENCE — fires: robots.txt disallowed the image
    (
        "CA-PIPEDA-OPTOUT-EVIDENCE",
        FIRES,
        "CA-ON",
        {"robots_allowed": False, "robots_status": "disallow"},
    ),
    # CA-PIPEDA-OPTOUT-EVIDENCE — fires: the terms forbid scraping
    ("CA-PIPEDA-OPTOUT-EVIDENCE", FIRES, "CA-ON", {"tos_prohibits_scraping": True}),
    # CA-PIPEDA-OPTOUT-EVIDENCE — does not fire: no signal, robots allow, terms silent
    ("CA-PIPEDA-OPTOUT-EVIDENCE", QUIET, "CA-ON", {}),
    # CA-COPYRIGHT-NO-TDM — fires: no licence, and Canada has no TDM exception
    ("CA-COPYRIGHT-NO-TDM", FIRES, "CA-ON", {}),
    # CA-COPYRIGHT-NO-TDM — does not fire: a CC licence covers the copy
    (
        "CA-COPYRIGHT-NO-TDM",
        QUIET,
        "CA-ON",
        {"consent_evidence": "license", "license": "CC-BY-4.0"},
    ),
    # Quebec (ca-qc)
    # QC-SCOPE — fires: the Quebec connection rests on 0.3 candidates
    ("QC-SCOPE", FIRES, "CA-QC", weak("CA-QC")),
    # QC-SCOPE — does not fire: Quebec site and subject at 0.9
    ("QC-SCOPE", QUIET, "CA-QC", {}),
    # QC-NOT-PUBLIC-BY-LAW — fires: web visibility is not "public by law"
    ("QC-NOT-PUBLIC-BY-LAW", FIRES, "CA-QC", {}),
    # QC-NOT-PUBLIC-BY-LAW — does not fire: a statutory registry is public by law
    ("QC-NOT-PUBLIC-BY-LAW", QUIET, "CA-QC", {"source_type": "statutory_registry"}),
    # QC-SERIOUS-LEGITIMATE — fires: untargeted bulk face crawl
    ("QC-SERIOUS-LEGITIMATE", FIRES, "CA-QC", {}),
    # QC-SERIOUS-LEGITIMATE — fires: purpose not declared
    ("QC-SERIOUS-LEGITIMATE", FIRES, "CA-QC", {"purpose": "other", "scraping_is_targeted": True}),
    # QC-SERIOUS-LEGITIMATE — does not fire: a declared journalistic purpose
    ("QC-SERIOUS-LEGITIMATE", QUIET, "CA-QC", {"purpose": "journalism"}),
    # QC-CONSENT-QUALITY — fires: a licence is not s.14 consent
    ("QC-CONSENT-QUALITY", FIRES, "CA-QC", {"consent_evidence": "license"}),
    # QC-CONSENT-QUALITY — does not fire: explicit consent
    ("QC-CONSENT-QUALITY", QUIET, "CA-QC", {"consent_evidence": "explicit"}),
    # QC-SENSITIVE-EXPRESS — fires: biometric templates without express consent
    ("QC-SENSITIVE-EXPRESS", FIRES, "CA-QC", {}),
    # QC-SENSITIVE-EXPRESS — does not fire: express consent
    ("QC-SENSITIVE-EXPRESS", QUIET, "CA-QC", {"consent_evidence": "explicit"}),
    # QC-IT-44-VERIFY — fires: consent given but the CAI was never told
    ("QC-IT-44-VERIFY", FIRES, "CA-QC", {"consent_evidence": "explicit"}),
    # QC-IT-44-VERIFY — does not fire: consent and prior notice to the CAI
    (
        "QC-IT-44-VERIFY",
        QUIET,
        "CA-QC",
        {"consent_evidence": "explicit", "cai_disclosure_filed": True},
    ),
    # QC-IT-45-DATABASE — fires: a template database never disclosed to the CAI
    ("QC-IT-45-DATABASE", FIRES, "CA-QC", {}),
    # QC-IT-45-DATABASE — does not fire: disclosed to the CAI
    ("QC-IT-45-DATABASE", QUIET, "CA-QC", {"cai_disclosure_filed": True}),
    # QC-IT-45-DATABASE — does not fire: observed before the 2022 amendment took effect
    ("QC-IT-45-DATABASE", QUIET, "CA-QC", {"observed_on": dt.date(2021, 6, 1)}),
    # QC-MINOR-14 — fires: a minor (age unknown, treated as under 14)
    ("QC-MINOR-14", FIRES, "CA-QC", {"subject_is_minor": True}),
    # QC-MINOR-14 — does not fire: an adult
    ("QC-MINOR-14", QUIET, "CA-QC", {}),
    # QC-FR-PURPOSE — fires: facial-recognition database
    ("QC-FR-PURPOSE", FIRES, "CA-QC", {}),
    # QC-FR-PURPOSE — does not fire: archiving
    ("QC-FR-PURPOSE", QUIET, "CA-QC", {"purpose": "archiving"}),
    # British Columbia (ca-bc)
    # BC-SCOPE — fires: weak BC connection
    ("BC-SCOPE", FIRES, "CA-BC", weak("CA-BC")),
    # BC-SCOPE — does not fire: BC site and subject at 0.9
    ("BC-SCOPE", QUIET, "CA-BC", {}),
    # BC-CONSENT — fires: social media is not a prescribed source, no consent
    ("BC-CONSENT", FIRES, "CA-BC", {}),
    # BC-CONSENT — does not fire: a newspaper is a prescribed source
    ("BC-CONSENT", QUIET, "CA-BC", {"source_type": "news_publication"}),
    # BC-PUBAVAIL — fires: publicly reachable social media
    ("BC-PUBAVAIL", FIRES, "CA-BC", {}),
    # BC-PUBAVAIL — does not fire: not publicly accessible
    ("BC-PUBAVAIL", QUIET, "CA-BC", {"is_publicly_accessible": False}),
    # BC-PURPOSE — fires: facial-recognition database
    ("BC-PURPOSE", FIRES, "CA-BC", {}),
    # BC-PURPOSE — does not fire: a classroom demonstration
    ("BC-PURPOSE", QUIET, "CA-BC", {"profile": "education-demo"}),
    # BC-MINOR — fires: a minor
    ("BC-MINOR", FIRES, "CA-BC", {"subject_is_minor": True}),
    # BC-MINOR — does not fire: an adult
    ("BC-MINOR", QUIET, "CA-BC", {}),
    # Alberta (ca-ab)
    # AB-SCOPE — fires: weak Alberta connection
    ("AB-SCOPE", FIRES, "CA-AB", weak("CA-AB")),
    # AB-SCOPE — does not fire: Alberta site and subject at 0.9
    ("AB-SCOPE", QUIET, "CA-AB", {}),
    # AB-CONSENT — fires: someone else's post, no consent
    ("AB-CONSENT", FIRES, "CA-AB", {}),
    # AB-CONSENT — does not fire: the person's own public post (2025 ABKB 287)
    ("AB-CONSENT", QUIET, "CA-AB", {"uploader_is_subject": True}),
    # AB-REASONABLE-PURPOSE — fires: facial-recognition database
    ("AB-REASONABLE-PURPOSE", FIRES, "CA-AB", {}),
    # AB-REASONABLE-PURPOSE — does not fire: research
    ("AB-REASONABLE-PURPOSE", QUIET, "CA-AB", {"profile": "research"}),
    # AB-PUBAVAIL-POST-2025 — fires: own public post collected for research after the judgment
    ("AB-PUBAVAIL-POST-2025", FIRES, "CA-AB", {"uploader_is_subject": True, "profile": "research"}),
    # AB-PUBAVAIL-POST-2025 — does not fire: same post observed before 8 May 2025
    (
        "AB-PUBAVAIL-POST-2025",
        QUIET,
        "CA-AB",
        {"uploader_is_subject": True, "profile": "research", "observed_on": dt.date(2025, 1, 15)},
    ),
    # AB-PUBAVAIL-POST-2025 — does not fire: the purpose is a face-search database
    ("AB-PUBAVAIL-POST-2025", QUIET, "CA-AB", {"uploader_is_subject": True}),
    # AB-PUBAVAIL-THIRD-PARTY — fires: posted by someone else
    ("AB-PUBAVAIL-THIRD-PARTY", FIRES, "CA-AB", {}),
    # AB-PUBAVAIL-THIRD-PARTY — fires: uploader unknown, so the exception is not shown
    ("AB-PUBAVAIL-THIRD-PARTY", FIRES, "CA-AB", {"uploader_is_subject": None}),
    # AB-PUBAVAIL-THIRD-PARTY — does not fire: the person posted it
    ("AB-PUBAVAIL-THIRD-PARTY", QUIET, "CA-AB", {"uploader_is_subject": True}),
    # AB-MINOR — fires: a minor
    ("AB-MINOR", FIRES, "CA-AB", {"subject_is_minor": True}),
    # AB-MINOR — does not fire: an adult
    ("AB-MINOR", QUIET, "CA-AB", {}),
    # European Union (eu)
    # EU-GDPR-SCOPE — fires: EU site, but the person is known to be in New York
    ("EU-GDPR-SCOPE", FIRES, "DE", {"subject_jurisdictions": at("US-NY")}),
    # EU-GDPR-SCOPE — fires: non-EU actor that does not monitor (classroom demo)
    ("EU-GDPR-SCOPE", FIRES, "DE", {"profile": "education-demo"}),
    # EU-GDPR-SCOPE — does not fire: a person in Germany indexed for identification
    ("EU-GDPR-SCOPE", QUIET, "DE", {}),
    # EU-GDPR-LAWFUL-BASIS — fires: no consent and no documented Art. 6 basis
    ("EU-GDPR-LAWFUL-BASIS", FIRES, "FR", {}),
    # EU-GDPR-LAWFUL-BASIS — fires: a licence is not a lawful basis either
    ("EU-GDPR-LAWFUL-BASIS", FIRES, "FR", {"consent_evidence": "license"}),
    # EU-GDPR-LAWFUL-BASIS — does not fire: a documented lawful basis
    ("EU-GDPR-LAWFUL-BASIS", QUIET, "FR", {"lawful_basis_documented": True}),
    # EU-GDPR-ART9-BIOMETRIC — fires: templates without explicit consent
    ("EU-GDPR-ART9-BIOMETRIC", FIRES, "IT", {}),
    # EU-GDPR-ART9-BIOMETRIC — does not fire: explicit consent
    ("EU-GDPR-ART9-BIOMETRIC", QUIET, "IT", {"consent_evidence": "explicit"}),
    # EU-GDPR-9-2-E-NOT-SCRAPING — fires: the scraper made the template
    ("EU-GDPR-9-2-E-NOT-SCRAPING", FIRES, "NL", {"uploader_is_subject": True}),
    # EU-GDPR-9-2-E-NOT-SCRAPING — does not fire: nothing public was relied on
    ("EU-GDPR-9-2-E-NOT-SCRAPING", QUIET, "NL", {"is_publicly_accessible": False}),
    # EU-GDPR-FACE-ONLY — fires: a photo with a face, no templates, no identification purpose
    ("EU-GDPR-FACE-ONLY", FIRES, "FR", {"profile": "research"}),
    # EU-GDPR-FACE-ONLY — does not fire: templates are made (Art. 9 rules apply instead)
    ("EU-GDPR-FACE-ONLY", QUIET, "FR", {}),
    # EU-GDPR-OPTOUT-BALANCE — fires: the image carried noimageai
    ("EU-GDPR-OPTOUT-BALANCE", FIRES, "FR", {"optout_signals": ("noimageai",)}),
    # EU-GDPR-OPTOUT-BALANCE — does not fire: no signal and robots allowed
    ("EU-GDPR-OPTOUT-BALANCE", QUIET, "FR", {}),
    # EU-GDPR-ART14-NOTICE — fires: nobody was told
    ("EU-GDPR-ART14-NOTICE", FIRES, "GR", {}),
    # EU-GDPR-ART14-NOTICE — does not fire: notice given
    ("EU-GDPR-ART14-NOTICE", QUIET, "GR", {"notice_given": True}),
    # EU-GDPR-ART27-REP — fires: non-EU controller monitoring, no representative
    ("EU-GDPR-ART27-REP", FIRES, "IT", {}),
    # EU-GDPR-ART27-REP — does not fire: a representative is designated
    ("EU-GDPR-ART27-REP", QUIET, "IT", {"eu_representative_designated": True}),
    # EU-GDPR-RESEARCH — fires: research purpose
    ("EU-GDPR-RESEARCH", FIRES, "DE", {"profile": "research"}),
    # EU-GDPR-RESEARCH — does not fire: not research
    ("EU-GDPR-RESEARCH", QUIET, "DE", {}),
    # EU-GDPR-MINOR — fires: a child
    ("EU-GDPR-MINOR", FIRES, "DE", {"subject_is_minor": True}),
    # EU-GDPR-MINOR — does not fire: an adult
    ("EU-GDPR-MINOR", QUIET, "DE", {}),
    # EU-AIACT-5-1-E — fires: untargeted scraping into a face-search database used in the EU
    ("EU-AIACT-5-1-E", FIRES, "NL", {}),
    # EU-AIACT-5-1-E — does not fire: targeted collection
    ("EU-AIACT-5-1-E", QUIET, "NL", {"scraping_is_targeted": True}),
    # EU-AIACT-5-1-E — does not fire: observed before the ban applied (2 Feb 2025)
    ("EU-AIACT-5-1-E", QUIET, "NL", {"observed_on": dt.date(2024, 6, 1)}),
    # EU-AIACT-TARGETED — fires: targeted face-search collection
    ("EU-AIACT-TARGETED", FIRES, "NL", {"scraping_is_targeted": True}),
    # EU-AIACT-TARGETED — does not fire: untargeted (the ban applies instead)
    ("EU-AIACT-TARGETED", QUIET, "NL", {}),
    # EU-AIACT-RESEARCH-EXCL — fires: non-commercial research organisation
    ("EU-AIACT-RESEARCH-EXCL", FIRES, "DE", {"profile": "research"}),
    # EU-AIACT-RESEARCH-EXCL — does not fire: research by a company
    ("EU-AIACT-RESEARCH-EXCL", QUIET, "DE", {"purpose": "research"}),
    # EU-DSM-TDM-OPTOUT — fires: TDMRep reservation ignored for model training
    (
        "EU-DSM-TDM-OPTOUT",
        FIRES,
        "DE",
        {"profile": "ai-training", "optout_signals": ("tdm_reservation",)},
    ),
    # EU-DSM-TDM-OPTOUT — fires: robots.txt disallow ignored by the face-search crawl
    ("EU-DSM-TDM-OPTOUT", FIRES, "DE", {"optout_signals": ("robots_disallow",)}),
    # EU-DSM-TDM-OPTOUT — fires: an RSL licence prohibits AI training of the image
    ("EU-DSM-TDM-OPTOUT", FIRES, "DE", {"optout_signals": ("rsl_prohibited",)}),
    # EU-DSM-TDM-OPTOUT — does not fire: noai is not one of the listed reservations
    ("EU-DSM-TDM-OPTOUT", QUIET, "DE", {"optout_signals": ("noai",)}),
    # EU-DSM-TDM-OPTOUT — does not fire: the reservation was met by a licence
    (
        "EU-DSM-TDM-OPTOUT",
        QUIET,
        "DE",
        {"optout_signals": ("tdm_reservation",), "consent_evidence": "license"},
    ),
    # EU-DSM-TOS-ONLY — fires: only the terms forbid scraping
    ("EU-DSM-TOS-ONLY", FIRES, "DE", {"tos_prohibits_scraping": True}),
    # EU-DSM-TOS-ONLY — does not fire: a machine-readable reservation as well
    (
        "EU-DSM-TOS-ONLY",
        QUIET,
        "DE",
        {"tos_prohibits_scraping": True, "optout_signals": ("tdm_reservation",)},
    ),
    # EU-DSM-TOS-ONLY — does not fire: no TDM purpose (a research group's crawl, §60d / Art. 3)
    ("EU-DSM-TOS-ONLY", QUIET, "DE", {"tos_prohibits_scraping": True, "profile": "research"}),
    # EU-DSM-RESEARCH — fires: a research organisation
    ("EU-DSM-RESEARCH", FIRES, "DE", {"profile": "research"}),
    # EU-DSM-RESEARCH — does not fire: a commercial face-search crawl
    ("EU-DSM-RESEARCH", QUIET, "DE", {}),
    # Illinois (us-il-bipa)
    # US-IL-BIPA-SCOPE — fires: not a private commercial entity
    ("US-IL-BIPA-SCOPE", FIRES, "US-IL", {"actor_is_commercial": False}),
    # US-IL-BIPA-SCOPE — does not fire: commercial, Illinois at 0.9
    ("US-IL-BIPA-SCOPE", QUIET, "US-IL", {}),
    # US-IL-BIPA-PHOTO-ONLY — fires: the photo is kept, no face geometry
    (
        "US-IL-BIPA-PHOTO-ONLY",
        FIRES,
        "US-IL",
        {"biometric_template_created": False, "purpose": "journalism"},
    ),
    # US-IL-BIPA-PHOTO-ONLY — does not fire: faceprints are made
    ("US-IL-BIPA-PHOTO-ONLY", QUIET, "US-IL", {}),
    # US-IL-BIPA-15B-RELEASE — fires: faceprint without release or notice
    ("US-IL-BIPA-15B-RELEASE", FIRES, "US-IL", {}),
    # US-IL-BIPA-15B-RELEASE — fires: notice given but no signed release
    ("US-IL-BIPA-15B-RELEASE", FIRES, "US-IL", {"notice_given": True}),
    # US-IL-BIPA-15B-RELEASE — does not fire: written notice and release
    ("US-IL-BIPA-15B-RELEASE", QUIET, "US-IL", {"written_release": True, "notice_given": True}),
    # US-IL-BIPA-15A-POLICY — fires: no public retention schedule
    ("US-IL-BIPA-15A-POLICY", FIRES, "US-IL", {}),
    # US-IL-BIPA-15A-POLICY — does not fire: policy published
    ("US-IL-BIPA-15A-POLICY", QUIET, "US-IL", {"retention_policy_published": True}),
    # US-IL-BIPA-15C-PROFIT — fires: access to faceprints sold to clients
    ("US-IL-BIPA-15C-PROFIT", FIRES, "US-IL", {}),
    # US-IL-BIPA-15C-PROFIT — does not fire: templates made for an investigation, not sold
    ("US-IL-BIPA-15C-PROFIT", QUIET, "US-IL", {"purpose": "investigation"}),
    # US-IL-BIPA-15D-DISCLOSE — fires: templates shared with clients without consent
    ("US-IL-BIPA-15D-DISCLOSE", FIRES, "US-IL", {}),
    # US-IL-BIPA-15D-DISCLOSE — does not fire: nothing shared
    ("US-IL-BIPA-15D-DISCLOSE", QUIET, "US-IL", {"data_shared_with_third_parties": False}),
    # US-IL-BIPA-SINGLE-RECOVERY — fires: faceprints without release after P.A. 103-0769
    ("US-IL-BIPA-SINGLE-RECOVERY", FIRES, "US-IL", {}),
    # US-IL-BIPA-SINGLE-RECOVERY — does not fire: observed before 2 Aug 2024
    ("US-IL-BIPA-SINGLE-RECOVERY", QUIET, "US-IL", {"observed_on": dt.date(2024, 6, 1)}),
    # US-IL-BIPA-SINGLE-RECOVERY — does not fire: notice and an electronically signed release
    (
        "US-IL-BIPA-SINGLE-RECOVERY",
        QUIET,
        "US-IL",
        {"written_release": True, "notice_given": True},
    ),
    # US-IL-BIPA-MINOR — fires: a child's faceprint
    ("US-IL-BIPA-MINOR", FIRES, "US-IL", {"subject_is_minor": True}),
    # US-IL-BIPA-MINOR — does not fire: a child's photo, no faceprint (photographs excluded)
    ("US-IL-BIPA-MINOR", QUIET, "US-IL", {"subject_is_minor": True, "profile": "education-demo"}),
    # Texas (us-tx-cubi)
    # US-TX-CUBI-CONSENT — fires: commercial face-geometry capture without consent
    ("US-TX-CUBI-CONSENT", FIRES, "US-TX", {}),
    # US-TX-CUBI-CONSENT — does not fire: explicit consent
    ("US-TX-CUBI-CONSENT", QUIET, "US-TX", {"consent_evidence": "explicit"}),
    # US-TX-CUBI-PUBLIC-IMAGE — fires: an online photo relied on as consent, 2026 onwards
    ("US-TX-CUBI-PUBLIC-IMAGE", FIRES, "US-TX", {"observed_on": dt.date(2026, 2, 1)}),
    # US-TX-CUBI-PUBLIC-IMAGE — does not fire: observed in 2025, before HB 149
    ("US-TX-CUBI-PUBLIC-IMAGE", QUIET, "US-TX", {"observed_on": dt.date(2025, 6, 1)}),
    # US-TX-CUBI-AI-TRAINING — fires: faces collected for model training
    ("US-TX-CUBI-AI-TRAINING", FIRES, "US-TX", {"profile": "ai-training"}),
    # US-TX-CUBI-AI-TRAINING — does not fire: not training
    ("US-TX-CUBI-AI-TRAINING", QUIET, "US-TX", {}),
    # US-TX-CUBI-RETENTION — fires: templates kept after the purpose ends
    ("US-TX-CUBI-RETENTION", FIRES, "US-TX", {}),
    # US-TX-CUBI-RETENTION — does not fire: templates destroyed in time
    ("US-TX-CUBI-RETENTION", QUIET, "US-TX", {"templates_kept_after_purpose": False}),
    # Washington (us-wa)
    # US-WA-19375-PHOTO-EXCL — fires: templates derived from photos
    ("US-WA-19375-PHOTO-EXCL", FIRES, "US-WA", {}),
    # US-WA-19375-PHOTO-EXCL — does not fire: no templates
    ("US-WA-19375-PHOTO-EXCL", QUIET, "US-WA", {"profile": "education-demo"}),
    # US-WA-MHMDA — fires: templates without opt-in consent
    ("US-WA-MHMDA", FIRES, "US-WA", {}),
    # US-WA-MHMDA — does not fire: opt-in consent
    ("US-WA-MHMDA", QUIET, "US-WA", {"consent_evidence": "explicit"}),
    # California (us-ca-ccpa)
    # US-CA-CCPA-SCOPE — fires: not a business
    ("US-CA-CCPA-SCOPE", FIRES, "US-CA", {"actor_is_commercial": False}),
    # US-CA-CCPA-SCOPE — does not fire: a business, California resident at 0.9
    ("US-CA-CCPA-SCOPE", QUIET, "US-CA", {}),
    # US-CA-PUBAVAIL-BIOMETRIC — fires: templates made without the consumer's knowledge
    ("US-CA-PUBAVAIL-BIOMETRIC", FIRES, "US-CA", {}),
    # US-CA-PUBAVAIL-BIOMETRIC — does not fire: notice given
    ("US-CA-PUBAVAIL-BIOMETRIC", QUIET, "US-CA", {"notice_given": True}),
    # US-CA-SPI-LIMIT — fires: facial-recognition database
    ("US-CA-SPI-LIMIT", FIRES, "US-CA", {}),
    # US-CA-SPI-LIMIT — does not fire: another purpose
    ("US-CA-SPI-LIMIT", QUIET, "US-CA", {"purpose": "other"}),
    # US-CA-MINOR-SALE — fires: a minor's data shared with clients
    ("US-CA-MINOR-SALE", FIRES, "US-CA", {"subject_is_minor": True}),
    # US-CA-MINOR-SALE — does not fire: a minor's data, nothing shared
    (
        "US-CA-MINOR-SALE",
        QUIET,
        "US-CA",
        {"subject_is_minor": True, "data_shared_with_third_parties": False},
    ),
    # Australia (au)
    # AU-SCOPE — fires: a non-commercial actor may not be an APP entity
    ("AU-SCOPE", FIRES, "AU", {"actor_is_commercial": False}),
    # AU-SCOPE — does not fire: commercial, Australia at 0.9
    ("AU-SCOPE", QUIET, "AU", {}),
    # AU-APP3.3-SENSITIVE — fires: biometric templates without consent
    ("AU-APP3.3-SENSITIVE", FIRES, "AU", {}),
    # AU-APP3.3-SENSITIVE — does not fire: consent
    ("AU-APP3.3-SENSITIVE", QUIET, "AU", {"consent_evidence": "explicit"}),
    # AU-APP3.5-FAIR — fires: scraping against the terms
    ("AU-APP3.5-FAIR", FIRES, "AU", {"tos_prohibits_scraping": True}),
    # AU-APP3.5-FAIR — does not fire: terms and robots allow it
    ("AU-APP3.5-FAIR", QUIET, "AU", {}),
    # AU-APP5-NOTICE — fires: no notice
    ("AU-APP5-NOTICE", FIRES, "AU", {}),
    # AU-APP5-NOTICE — does not fire: notice given
    ("AU-APP5-NOTICE", QUIET, "AU", {"notice_given": True}),
    # AU-APP10-ACCURACY — fires: matches disclosed from a face-search database
    ("AU-APP10-ACCURACY", FIRES, "AU", {}),
    # AU-APP10-ACCURACY — does not fire: no matching service
    ("AU-APP10-ACCURACY", QUIET, "AU", {"profile": "research"}),
    # AU-APP1.2-GOVERNANCE — fires: no documented APP procedures
    ("AU-APP1.2-GOVERNANCE", FIRES, "AU", {}),
    # AU-APP1.2-GOVERNANCE — does not fire: procedures documented
    ("AU-APP1.2-GOVERNANCE", QUIET, "AU", {"compliance_procedures_documented": True}),
    # AU-MINOR — fires: a child
    ("AU-MINOR", FIRES, "AU", {"subject_is_minor": True}),
    # AU-MINOR — does not fire: an adult
    ("AU-MINOR", QUIET, "AU", {}),
    # United Kingdom (uk)
    # UK-GDPR-SCOPE — fires: the UK connection rests on 0.3 candidates
    ("UK-GDPR-SCOPE", FIRES, "GB", weak("GB")),
    # UK-GDPR-SCOPE — fires: a classroom demo indexes nobody for identification
    ("UK-GDPR-SCOPE", FIRES, "GB", {"profile": "education-demo"}),
    # UK-GDPR-SCOPE — does not fire: a person in the UK indexed for identification ([2025] UKUT 319)
    ("UK-GDPR-SCOPE", QUIET, "GB", {}),
    # UK-UT-MONITORING — fires: untargeted face database for foreign clients
    ("UK-UT-MONITORING", FIRES, "GB", {}),
    # UK-UT-MONITORING — does not fire: targeted collection
    ("UK-UT-MONITORING", QUIET, "GB", {"scraping_is_targeted": True}),
    # UK-UT-MONITORING — does not fire: a controller established in the UK (Art. 3(1) instead)
    ("UK-UT-MONITORING", QUIET, "GB", {"actor_established_in_uk": True}),
    # UK-GDPR-LAWFUL-BASIS — fires: no consent, no documented basis
    ("UK-GDPR-LAWFUL-BASIS", FIRES, "GB", {}),
    # UK-GDPR-LAWFUL-BASIS — does not fire: a documented lawful basis
    ("UK-GDPR-LAWFUL-BASIS", QUIET, "GB", {"lawful_basis_documented": True}),
    # UK-GDPR-ART9-BIOMETRIC — fires: templates without explicit consent
    ("UK-GDPR-ART9-BIOMETRIC", FIRES, "GB", {}),
    # UK-GDPR-ART9-BIOMETRIC — does not fire: explicit consent
    ("UK-GDPR-ART9-BIOMETRIC", QUIET, "GB", {"consent_evidence": "explicit"}),
    # UK-GDPR-9-2-E-NOT-SCRAPING — fires: the person posted the photo, the scraper made the template
    ("UK-GDPR-9-2-E-NOT-SCRAPING", FIRES, "GB", {"uploader_is_subject": True}),
    # UK-GDPR-9-2-E-NOT-SCRAPING — does not fire: nothing public was relied on
    ("UK-GDPR-9-2-E-NOT-SCRAPING", QUIET, "GB", {"is_publicly_accessible": False}),
    # UK-GDPR-ART14-NOTICE — fires: nobody was told
    ("UK-GDPR-ART14-NOTICE", FIRES, "GB", {}),
    # UK-GDPR-ART14-NOTICE — does not fire: notice given
    ("UK-GDPR-ART14-NOTICE", QUIET, "GB", {"notice_given": True}),
    # UK-GDPR-ART27-REP — fires: non-UK monitor without a UK representative
    ("UK-GDPR-ART27-REP", FIRES, "GB", {}),
    # UK-GDPR-ART27-REP — does not fire: a UK representative is designated
    ("UK-GDPR-ART27-REP", QUIET, "GB", {"uk_representative_designated": True}),
    # UK-GDPR-OPTOUT-BALANCE — fires: the page said noai
    ("UK-GDPR-OPTOUT-BALANCE", FIRES, "GB", {"optout_signals": ("noai",)}),
    # UK-GDPR-OPTOUT-BALANCE — does not fire: no signal, robots allow
    ("UK-GDPR-OPTOUT-BALANCE", QUIET, "GB", {}),
    # UK-GDPR-MINOR — fires: a child
    ("UK-GDPR-MINOR", FIRES, "GB", {"subject_is_minor": True}),
    # UK-GDPR-MINOR — does not fire: an adult
    ("UK-GDPR-MINOR", QUIET, "GB", {}),
    # Colorado (us-co)
    # US-CO-SCOPE — fires: weak Colorado connection
    ("US-CO-SCOPE", FIRES, "US-CO", weak("US-CO")),
    # US-CO-SCOPE — does not fire: Colorado at 0.9
    ("US-CO-SCOPE", QUIET, "US-CO", {}),
    # US-CO-BIOMETRIC-CONSENT — fires: a template made without consent
    ("US-CO-BIOMETRIC-CONSENT", FIRES, "US-CO", {"observed_on": dt.date(2025, 9, 1)}),
    # US-CO-BIOMETRIC-CONSENT — does not fire: consent on record
    ("US-CO-BIOMETRIC-CONSENT", QUIET, "US-CO", {"consent_evidence": "explicit"}),
    # US-CO-BIOMETRIC-CONSENT — does not fire: observed before HB24-1130 took effect
    ("US-CO-BIOMETRIC-CONSENT", QUIET, "US-CO", {"observed_on": dt.date(2025, 1, 15)}),
    # US-CO-BIOMETRIC-NOTICE — fires: nobody was told
    ("US-CO-BIOMETRIC-NOTICE", FIRES, "US-CO", {}),
    # US-CO-BIOMETRIC-NOTICE — does not fire: notice given
    ("US-CO-BIOMETRIC-NOTICE", QUIET, "US-CO", {"notice_given": True}),
    # US-CO-BIOMETRIC-POLICY — fires: no public retention policy
    ("US-CO-BIOMETRIC-POLICY", FIRES, "US-CO", {}),
    # US-CO-BIOMETRIC-POLICY — does not fire: policy published
    ("US-CO-BIOMETRIC-POLICY", QUIET, "US-CO", {"retention_policy_published": True}),
    # US-CO-BIOMETRIC-RETENTION — fires: templates kept after the purpose ends
    ("US-CO-BIOMETRIC-RETENTION", FIRES, "US-CO", {}),
    # US-CO-BIOMETRIC-RETENTION — does not fire: destroyed in time
    ("US-CO-BIOMETRIC-RETENTION", QUIET, "US-CO", {"templates_kept_after_purpose": False}),
    # US-CO-BIOMETRIC-SALE — fires: templates shared with clients without consent
    ("US-CO-BIOMETRIC-SALE", FIRES, "US-CO", {}),
    # US-CO-BIOMETRIC-SALE — does not fire: nothing shared
    ("US-CO-BIOMETRIC-SALE", QUIET, "US-CO", {"data_shared_with_third_parties": False}),
    # US-CO-PHOTO-ONLY — fires: photos kept for research, no templates
    ("US-CO-PHOTO-ONLY", FIRES, "US-CO", {"profile": "research"}),
    # US-CO-PHOTO-ONLY — does not fire: templates are made
    ("US-CO-PHOTO-ONLY", QUIET, "US-CO", {}),
    # US-CO-MINOR — fires: a child's face
    ("US-CO-MINOR", FIRES, "US-CO", {"subject_is_minor": True}),
    # US-CO-MINOR — does not fire: an adult
    ("US-CO-MINOR", QUIET, "US-CO", {}),
    # Brazil (br)
    # BR-LGPD-SCOPE — fires: weak Brazilian connection
    ("BR-LGPD-SCOPE", FIRES, "BR", weak("BR")),
    # BR-LGPD-SCOPE — does not fire: Brazil at 0.9
    ("BR-LGPD-SCOPE", QUIET, "BR", {}),
    # BR-LGPD-ART11-BIOMETRIC — fires: templates without specific consent
    ("BR-LGPD-ART11-BIOMETRIC", FIRES, "BR", {}),
    # BR-LGPD-ART11-BIOMETRIC — does not fire: specific consent
    ("BR-LGPD-ART11-BIOMETRIC", QUIET, "BR", {"consent_evidence": "explicit"}),
    # BR-LGPD-LAWFUL-BASIS — fires: publicly accessible is not a legal basis
    ("BR-LGPD-LAWFUL-BASIS", FIRES, "BR", {}),
    # BR-LGPD-LAWFUL-BASIS — does not fire: a documented legal basis
    ("BR-LGPD-LAWFUL-BASIS", QUIET, "BR", {"lawful_basis_documented": True}),
    # BR-ANPD-AI-TRAINING — fires: public faces collected to train a model
    ("BR-ANPD-AI-TRAINING", FIRES, "BR", {"profile": "ai-training"}),
    # BR-ANPD-AI-TRAINING — does not fire: not a training collection
    ("BR-ANPD-AI-TRAINING", QUIET, "BR", {}),
    # BR-ANPD-AI-TRAINING — does not fire: observed before the ANPD's Meta measure
    (
        "BR-ANPD-AI-TRAINING",
        QUIET,
        "BR",
        {"profile": "ai-training", "observed_on": dt.date(2024, 5, 1)},
    ),
    # BR-LGPD-TRANSPARENCY — fires: no information given
    ("BR-LGPD-TRANSPARENCY", FIRES, "BR", {}),
    # BR-LGPD-TRANSPARENCY — does not fire: notice given
    ("BR-LGPD-TRANSPARENCY", QUIET, "BR", {"notice_given": True}),
    # BR-LGPD-MINOR — fires: a child
    ("BR-LGPD-MINOR", FIRES, "BR", {"subject_is_minor": True}),
    # BR-LGPD-MINOR — does not fire: an adult
    ("BR-LGPD-MINOR", QUIET, "BR", {}),
    # Japan (jp)
    # JP-APPI-SCOPE — fires: weak Japanese connection
    ("JP-APPI-SCOPE", FIRES, "JP", weak("JP")),
    # JP-APPI-SCOPE — does not fire: Japan at 0.9
    ("JP-APPI-SCOPE", QUIET, "JP", {}),
    # JP-APPI-PURPOSE-NOTICE — fires: purpose neither notified nor published
    ("JP-APPI-PURPOSE-NOTICE", FIRES, "JP", {}),
    # JP-APPI-PURPOSE-NOTICE — does not fire: notice given
    ("JP-APPI-PURPOSE-NOTICE", QUIET, "JP", {"notice_given": True}),
    # JP-PPC-SPECIAL-CARE — fires: a training collection of faces (PPC caution, June 2023)
    ("JP-PPC-SPECIAL-CARE", FIRES, "JP", {"profile": "ai-training"}),
    # JP-PPC-SPECIAL-CARE — does not fire: research, not machine learning for a product
    ("JP-PPC-SPECIAL-CARE", QUIET, "JP", {"profile": "research"}),
    # JP-APPI-FACE-CODE — fires: face templates are individual identification codes
    ("JP-APPI-FACE-CODE", FIRES, "JP", {}),
    # JP-APPI-FACE-CODE — does not fire: no templates
    ("JP-APPI-FACE-CODE", QUIET, "JP", {"profile": "education-demo"}),
    # JP-APPI-THIRD-PARTY — fires: templates provided to clients without consent
    ("JP-APPI-THIRD-PARTY", FIRES, "JP", {}),
    # JP-APPI-THIRD-PARTY — does not fire: nothing provided
    ("JP-APPI-THIRD-PARTY", QUIET, "JP", {"data_shared_with_third_parties": False}),
    # JP-APPI-PROPER-ACQUISITION — fires: collected against the terms
    ("JP-APPI-PROPER-ACQUISITION", FIRES, "JP", {"tos_prohibits_scraping": True}),
    # JP-APPI-PROPER-ACQUISITION — does not fire: terms and robots allow it
    ("JP-APPI-PROPER-ACQUISITION", QUIET, "JP", {}),
    # JP-APPI-MINOR — fires: a child
    ("JP-APPI-MINOR", FIRES, "JP", {"subject_is_minor": True}),
    # JP-APPI-MINOR — does not fire: an adult
    ("JP-APPI-MINOR", QUIET, "JP", {}),
    # South Korea (kr)
    # KR-PIPA-SCOPE — fires: weak Korean connection
    ("KR-PIPA-SCOPE", FIRES, "KR", weak("KR")),
    # KR-PIPA-SCOPE — does not fire: Korea at 0.9
    ("KR-PIPA-SCOPE", QUIET, "KR", {}),
    # KR-PIPA-SENSITIVE-BIOMETRIC — fires: templates without separate consent
    ("KR-PIPA-SENSITIVE-BIOMETRIC", FIRES, "KR", {}),
    # KR-PIPA-SENSITIVE-BIOMETRIC — does not fire: separate consent
    ("KR-PIPA-SENSITIVE-BIOMETRIC", QUIET, "KR", {"consent_evidence": "explicit"}),
    # KR-PIPC-PUBLIC-DATA-AI — fires: public faces used to train a model
    ("KR-PIPC-PUBLIC-DATA-AI", FIRES, "KR", {"profile": "ai-training"}),
    # KR-PIPC-PUBLIC-DATA-AI — does not fire: a face-search database (the Art. 23 rule applies)
    ("KR-PIPC-PUBLIC-DATA-AI", QUIET, "KR", {}),
    # KR-PIPA-THIRD-PARTY — fires: faces provided to clients without consent
    ("KR-PIPA-THIRD-PARTY", FIRES, "KR", {}),
    # KR-PIPA-THIRD-PARTY — does not fire: nothing shared
    ("KR-PIPA-THIRD-PARTY", QUIET, "KR", {"data_shared_with_third_parties": False}),
    # KR-PIPA-SOURCE-NOTICE — fires: nobody was told
    ("KR-PIPA-SOURCE-NOTICE", FIRES, "KR", {}),
    # KR-PIPA-SOURCE-NOTICE — does not fire: notice given
    ("KR-PIPA-SOURCE-NOTICE", QUIET, "KR", {"notice_given": True}),
    # KR-PIPA-MINOR-14 — fires: a child
    ("KR-PIPA-MINOR-14", FIRES, "KR", {"subject_is_minor": True}),
    # KR-PIPA-MINOR-14 — does not fire: an adult
    ("KR-PIPA-MINOR-14", QUIET, "KR", {}),
    # Children (children)
    # KIDS-DEFAULT — fires: a face whose age is unknown
    ("KIDS-DEFAULT", FIRES, "US-NY", {"subject_is_minor": None}),
    # KIDS-DEFAULT — does not fire: a known minor but no face detected
    ("KIDS-DEFAULT", QUIET, "US-NY", {"subject_is_minor": True, "contains_face": False}),
    # KIDS-CA-PIPEDA — fires: a Canadian child
    ("KIDS-CA-PIPEDA", FIRES, "CA-ON", {"subject_is_minor": True}),
    # KIDS-CA-PIPEDA — does not fire: a child in New York
    ("KIDS-CA-PIPEDA", QUIET, "US-NY", {"subject_is_minor": True}),
    # KIDS-QC — fires: a child in Quebec
    ("KIDS-QC", FIRES, "CA-QC", {"subject_is_minor": True}),
    # KIDS-QC — does not fire: a child in Ontario
    ("KIDS-QC", QUIET, "CA-ON", {"subject_is_minor": True}),
    # KIDS-BC — fires: a child in British Columbia
    ("KIDS-BC", FIRES, "CA-BC", {"subject_is_minor": True}),
    # KIDS-BC — does not fire: a child in Quebec
    ("KIDS-BC", QUIET, "CA-QC", {"subject_is_minor": True}),
    # KIDS-EU — fires: a child in France
    ("KIDS-EU", FIRES, "FR", {"subject_is_minor": True}),
    # KIDS-EU — fires: a child in the UK (the row covers EU/UK)
    ("KIDS-EU", FIRES, "GB", {"subject_is_minor": True}),
    # KIDS-EU — does not fire: a child in New York
    ("KIDS-EU", QUIET, "US-NY", {"subject_is_minor": True}),
    # KIDS-US-COPPA — fires: a child in the US
    ("KIDS-US-COPPA", FIRES, "US-NY", {"subject_is_minor": True}),
    # KIDS-US-COPPA — does not fire: a child in Canada
    ("KIDS-US-COPPA", QUIET, "CA-ON", {"subject_is_minor": True}),
    # KIDS-US-BIPA — fires: an Illinois child's faceprint
    ("KIDS-US-BIPA", FIRES, "US-IL", {"subject_is_minor": True}),
    # KIDS-US-BIPA — does not fire: an Illinois child's photo, no faceprint
    ("KIDS-US-BIPA", QUIET, "US-IL", {"subject_is_minor": True, "profile": "education-demo"}),
    # KIDS-US-CCPA — fires: a California child's data shared
    ("KIDS-US-CCPA", FIRES, "US-CA", {"subject_is_minor": True}),
    # KIDS-US-CCPA — does not fire: nothing shared
    (
        "KIDS-US-CCPA",
        QUIET,
        "US-CA",
        {"subject_is_minor": True, "data_shared_with_third_parties": False},
    ),
    # KIDS-AU — fires: a child in Australia
    ("KIDS-AU", FIRES, "AU", {"subject_is_minor": True}),
    # KIDS-AU — does not fire: a child in New Zealand
    ("KIDS-AU", QUIET, "NZ", {"subject_is_minor": True}),
]


def _case_id(case: tuple[str, bool, str, dict[str, Any]]) -> str:
    rule_id, fires, where, changes = case
    what = ",".join(sorted(changes)) or "base"
    return f"{rule_id}-{'fires' if fires else 'quiet'}-{where}-{what}"


@pytest.mark.parametrize(("rule_id", "fires", "where", "changes"), CASES, ids=map(_case_id, CASES))
def test_rule_case(rule_id: str, fires: bool, where: str, changes: dict[str, Any]) -> None:
    pack = pack_of(rule_id)
    verdicts = evaluate(record(where, **changes), [pack])
    assert len(verdicts) == 1, f"{pack.id} does not apply to this case"
    (verdict,) = verdicts
    assert verdict.jurisdiction_known
    assert rule_id not in {u.id for u in verdict.undecided}, "the case leaves the rule undecided"
    assert (rule_id in verdict.fired_ids) is fires


def test_every_rule_has_both_cases() -> None:
    rule_ids = {r.id for p in builtin_packs() for r in p.rules}
    firing = {c[0] for c in CASES if c[1] is FIRES}
    quiet = {c[0] for c in CASES if c[1] is QUIET}
    assert rule_ids - firing == set(), "rules with no firing case"
    assert rule_ids - quiet == set(), "rules with no quiet case"
    assert (firing | quiet) - rule_ids == set(), "cases for rules that do not exist"
