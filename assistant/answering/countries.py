"""Names of countries and territories, as English-language reports write them.

A question that asks "which countries" is answered by a sentence that names one; "four
countries" or "the Labour Migration Branch" is on topic but does not say which. The list holds
the short and the formal names that reports use ("Korea", "Republic of Korea", "Viet Nam",
"Vietnam", "Lao PDR") and a few abbreviations that stand for a country ("UAE", "UK", "USA").
It is general knowledge, not drawn from the reports of this corpus.
"""

from __future__ import annotations

import re

_NAMES = """
Afghanistan; Albania; Algeria; Andorra; Angola; Antigua and Barbuda; Argentina; Armenia;
Australia; Austria; Azerbaijan; Bahamas; Bahrain; Bangladesh; Barbados; Belarus; Belgium;
Belize; Benin; Bhutan; Bolivia; Bosnia and Herzegovina; Botswana; Brazil; Brunei;
Brunei Darussalam; Bulgaria; Burkina Faso; Burundi; Cabo Verde; Cape Verde; Cambodia; Cameroon;
Canada; Central African Republic; Chad; Chile; China; Colombia; Comoros; Congo;
Democratic Republic of the Congo; Costa Rica; Côte d'Ivoire; Cote d'Ivoire; Ivory Coast;
Croatia; Cuba; Cyprus; Czechia; Czech Republic; Denmark; Djibouti; Dominica;
Dominican Republic; Ecuador; Egypt; El Salvador; Equatorial Guinea; Eritrea; Estonia;
Eswatini; Swaziland; Ethiopia; Fiji; Finland; France; Gabon; Gambia; Georgia; Germany; Ghana;
Greece; Grenada; Guatemala; Guinea; Guinea-Bissau; Guyana; Haiti; Honduras; Hungary; Iceland;
India; Indonesia; Iran; Iraq; Ireland; Israel; Italy; Jamaica; Japan; Jordan; Kazakhstan;
Kenya; Kiribati; Korea; Republic of Korea; South Korea; North Korea; Kosovo; Kuwait;
Kyrgyzstan; Kyrgyz Republic; Lao PDR; Laos; Lao People's Democratic Republic; Latvia;
Lebanon; Lesotho; Liberia; Libya; Liechtenstein; Lithuania; Luxembourg; Madagascar; Malawi;
Malaysia; Maldives; Mali; Malta; Marshall Islands; Mauritania; Mauritius; Mexico; Micronesia;
Moldova; Republic of Moldova; Monaco; Mongolia; Montenegro; Morocco; Mozambique; Myanmar;
Burma; Namibia; Nauru; Nepal; Netherlands; New Zealand; Nicaragua; Niger; Nigeria;
North Macedonia; Macedonia; Norway; Oman; Pakistan; Palau; Palestine;
Occupied Palestinian Territory; Panama; Papua New Guinea; Paraguay; Peru; Philippines;
Poland; Portugal; Qatar; Romania; Russia; Russian Federation; Rwanda; Saint Kitts and Nevis;
Saint Lucia; Saint Vincent and the Grenadines; Samoa; San Marino; Sao Tome and Principe;
Saudi Arabia; Senegal; Serbia; Seychelles; Sierra Leone; Singapore; Slovakia; Slovenia;
Solomon Islands; Somalia; South Africa; South Sudan; Spain; Sri Lanka; Sudan; Suriname;
Sweden; Switzerland; Syria; Syrian Arab Republic; Tajikistan; Tanzania;
United Republic of Tanzania; Thailand; Timor-Leste; East Timor; Togo; Tonga;
Trinidad and Tobago; Tunisia; Turkey; Türkiye; Turkmenistan; Tuvalu; Uganda; Ukraine;
United Arab Emirates; UAE; United Kingdom; UK; Great Britain; Britain; United States;
United States of America; USA; Uruguay; Uzbekistan; Vanuatu; Venezuela; Viet Nam; Vietnam;
Yemen; Zambia; Zimbabwe; Hong Kong; Macao; Macau; Taiwan; Puerto Rico; Greenland
"""

COUNTRY_NAMES: tuple[str, ...] = tuple(
    sorted({n.strip() for n in _NAMES.replace("\n", " ").split(";") if n.strip()},
           key=len, reverse=True)
)
#: Any one of the names, longest first, as a whole word (case as written: "Chad", not "chad").
COUNTRY = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, COUNTRY_NAMES)) + r")(?![\w-])")


def countries_in(text: str) -> set[str]:
    """The country names written in ``text``, lower-cased."""
    return {m.group(0).lower() for m in COUNTRY.finditer(text)}
