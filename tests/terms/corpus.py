"""Realistic terms pages written for these tests, with the clauses each must yield.

Each page mixes real prohibitions, an exception, a licence, and sentences that look similar
but prohibit nothing (the operator speaking of itself, permissions, plain negation).
"""

from __future__ import annotations

EN_TERMS = """<!doctype html><html lang="en"><head><title>Terms of Service</title></head>
<body><nav><a href="/">Home</a> <a href="/explore">Explore</a></nav>
<main><h1>Maplebook Terms of Service</h1>
<p>Last updated: March 1, 2024.</p>
<p>These Terms of Service ("Terms") govern your access to and use of Maplebook, operated by
Maplebook Inc. ("we", "us"). By using the Service you agree to these Terms.</p>
<h2>1. Your account</h2>
<p>You must be at least 13 years old to create an account. You are responsible for keeping your
password secure.</p>
<h2>2. Your content</h2>
<p>You keep ownership of the photos you post. By posting, you grant us a non-exclusive licence to
host and display them. We do not sell your data. You may share links to our pages.</p>
<h2>3. Acceptable use</h2>
<p>You agree not to:</p>
<ul>
<li>use any robot, spider, scraper or other automated means to access the Service or collect
content, except public search engines that honour our robots.txt;</li>
<li>use facial recognition or other biometric technology on images from the Service;</li>
<li>sell, license or otherwise commercially exploit any content obtained from the Service;</li>
<li>post content that is unlawful or infringes the rights of others.</li>
</ul>
<p>We use automated systems to detect spam and abuse. We may not be able to detect every automated
access attempt. Search engines may crawl public pages in accordance with robots.txt.</p>
<p>Text and data mining of the Service is expressly reserved under Article 4(3) of Directive (EU)
2019/790.</p>
<h2>4. Licence for the Commons section</h2>
<p>Unless otherwise noted, photos in our Commons section are licensed under CC BY 4.0.</p>
<h2>5. Termination</h2>
<p>We may suspend accounts that violate these Terms. Nothing in these Terms prohibits you from
linking to public profiles.</p>
</main>
<footer>Maplebook Inc., 100 King St W, Toronto, ON M5X 1A9 · <a href="/privacy">Privacy</a></footer>
</body></html>"""

# (kind, a distinctive fragment of the sentence, exception fragment or None)
EN_EXPECTED = [
    ("prohibits-scraping", "use any robot, spider, scraper", "except public search engines"),
    ("prohibits-biometric", "use facial recognition or other biometric", None),
    ("prohibits-commercial-reuse", "sell, license or otherwise commercially exploit", None),
    ("prohibits-scraping", "Text and data mining of the Service is expressly reserved", None),
    ("permits-reuse-with-licence", "licensed under CC BY 4.0", "Unless otherwise noted"),
]
EN_NEGATIVE = [
    "We do not sell your data.",
    "You may share links to our pages.",
    "By posting, you grant us a non-exclusive licence",
    "We use automated systems to detect spam and abuse.",
    "We may not be able to detect every automated",
    "Search engines may crawl public pages",
    "Nothing in these Terms prohibits you",
    "post content that is unlawful",
]

FR_TERMS = """<!doctype html><html lang="fr-CA"><head><title>Conditions d'utilisation</title></head>
<body><header><a href="/">Nouvelles MTL</a></header>
<main><article><h1>Conditions d'utilisation</h1>
<p>En accédant au site de Nouvelles MTL, vous acceptez les présentes conditions d'utilisation.</p>
<h2>Propriété intellectuelle</h2>
<p>Les articles et photographies publiés sur le site sont protégés par le droit d'auteur.
Sauf mention contraire, les photographies de la section Communauté sont diffusées sous licence
Creative Commons BY-NC 4.0. Vous pouvez partager des liens vers nos pages.</p>
<h2>Utilisations interdites</h2>
<p>Il est interdit d'utiliser des robots, des araignées ou tout autre moyen automatisé pour extraire
le contenu du site, sauf pour l'indexation par les moteurs de recherche.</p>
<p>La collecte automatisée ou le moissonnage des données personnelles des lecteurs est strictement
interdit.</p>
<p>Toute reconnaissance faciale à partir des photos publiées est interdite.</p>
<p>Vous ne pouvez pas utiliser le contenu à des fins commerciales sans notre accord écrit.</p>
<p>Conformément à l'article L. 122-5-3 du Code de la propriété intellectuelle, nous nous opposons à
la fouille de textes et de données.</p>
<h2>Vie privée</h2>
<p>Nous ne vendons pas vos données personnelles. Nous utilisons des outils automatisés pour modérer
les commentaires. Nous ne pouvons pas garantir que le site sera accessible en tout temps.</p>
</article></main>
<footer>Nouvelles MTL inc., Montréal (Québec) ·
<a href="/mentions-legales">Mentions légales</a></footer>
</body></html>"""

FR_EXPECTED = [
    ("permits-reuse-with-licence", "diffusées sous licence", "Sauf mention contraire"),
    ("prohibits-scraping", "Il est interdit d'utiliser des robots", "sauf pour l'indexation"),
    ("prohibits-scraping", "La collecte automatisée ou le moissonnage", None),
    ("prohibits-biometric", "Toute reconnaissance faciale", None),
    ("prohibits-commercial-reuse", "à des fins commerciales sans notre accord", None),
    ("prohibits-scraping", "nous nous opposons à la fouille de textes", None),
]
FR_NEGATIVE = [
    "Nous ne vendons pas vos données personnelles.",
    "Nous utilisons des outils automatisés pour modérer",
    "Nous ne pouvons pas garantir",
    "Vous pouvez partager des liens vers nos pages.",
    "sont protégés par le droit d'auteur",
]

DE_TERMS = """<!doctype html><html lang="de"><head><title>Nutzungsbedingungen</title></head>
<body><nav><a href="/">Fotoblog Berlin</a></nav>
<main><h1>Nutzungsbedingungen</h1>
<h2>§ 1 Geltungsbereich</h2>
<p>Diese Nutzungsbedingungen gelten für die Nutzung des Fotoblogs Berlin.</p>
<h2>§ 2 Urheberrecht</h2>
<p>Alle Fotos sind urheberrechtlich geschützt. Sofern nicht anders angegeben, stehen die Fotos der
Rubrik „Stadtansichten“ unter der Lizenz CC BY-SA 4.0.</p>
<h2>§ 3 Unzulässige Nutzung</h2>
<p>Die Nutzung von Crawlern, Scrapern oder anderen automatisierten Verfahren zur Erfassung von
Inhalten ist untersagt, es sei denn, es handelt sich um Suchmaschinen.</p>
<p>Die Verwendung der Fotos zur Gesichtserkennung oder zur Erstellung biometrischer Profile ist
nicht gestattet.</p>
<p>Sie dürfen die Inhalte nicht zu kommerziellen Zwecken verwenden.</p>
<p>Wir behalten uns die Nutzung der Inhalte für Text- und Data-Mining gemäß § 44b UrhG
ausdrücklich vor.</p>
<h2>§ 4 Datenschutz</h2>
<p>Wir verkaufen Ihre Daten nicht. Wir setzen keine Gesichtserkennung ein. Wir nutzen
automatisierte Verfahren zur Spam-Erkennung. Sie können Links auf unsere Seiten teilen.</p>
</main>
<footer>Impressum · Fotoblog Berlin, Musterstraße 1, 10115 Berlin</footer>
</body></html>"""

DE_EXPECTED = [
    (
        "permits-reuse-with-licence",
        "unter der Lizenz CC BY-SA 4.0",
        "Sofern nicht anders angegeben",
    ),
    ("prohibits-scraping", "Die Nutzung von Crawlern, Scrapern", "es sei denn"),
    ("prohibits-biometric", "zur Gesichtserkennung oder zur Erstellung", None),
    ("prohibits-commercial-reuse", "nicht zu kommerziellen Zwecken", None),
    ("prohibits-scraping", "Text- und Data-Mining", None),
]
DE_NEGATIVE = [
    "Wir verkaufen Ihre Daten nicht.",
    "Wir setzen keine Gesichtserkennung ein.",
    "Wir nutzen automatisierte Verfahren zur Spam-Erkennung.",
    "Sie können Links auf unsere Seiten teilen.",
]

SILENT_TERMS = """<html lang="en"><body><main><h1>Terms</h1>
<p>Welcome to Commons Gallery. These terms apply to your visit.</p>
<p>We may change these terms at any time. Continued use means you accept the changes.</p>
<p>The gallery is provided as is, without warranties of any kind.</p>
<p>These terms are governed by the laws of Massachusetts.</p></main></body></html>"""
