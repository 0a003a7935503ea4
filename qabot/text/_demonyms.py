"""English adjectives of nationality and region ("Scandinavian", "Bulgarian", "Greek").

A question uses them to describe what the text names otherwise ("the Scandinavian
dramatist" for Ibsen, "the Bulgarian communist" for Dimitrov): they are not names the
text must mention (``qabot.search.abstention.unknown_names``). Lower case, singular;
plurals ("Norwegians") are read through their singular. Countries and peoples past and
present, continents and regions; no oceans or places (they are names), no first
names ("Norman", "Finn"), no religions, no languages that are not also peoples.
"""

DEMONYMS = frozenset(
    (
        # continents, regions, old empires and peoples
        "african american asian european oceanian "
        "scandinavian nordic baltic balkan slavic slavonic teutonic germanic latin "
        "iberian celtic gaelic anglo saxon frankish gallic hellenic levantine "
        "mediterranean caribbean andean amazonian siberian caucasian anatolian "
        "oriental occidental asiatic eastern western northern southern central "
        "arab arabian semitic persian ottoman byzantine roman mongol mongolian tatar "
        "tartar cossack moorish bohemian moravian silesian prussian bavarian "
        "flemish walloon castilian catalan basque andalusian galician sicilian "
        "venetian genoese florentine neapolitan tuscan lombard piedmontese "
        "cornish welsh scottish scots irish english british breton provencal "
        "corsican sardinian cretan cypriot macedonian thracian dalmatian "
        "ukrainian ruthenian transylvanian wallachian moldavian "
        "crimean circassian chechen georgian armenian azerbaijani azeri kurdish "
        "kazakh uzbek turkmen kyrgyz tajik afghan pashtun baluchi punjabi bengali "
        "tamil gujarati kashmiri tibetan manchu cantonese hakka "
        "bedouin berber tuareg zulu xhosa swahili yoruba igbo hausa masai maasai "
        "inca aztec mayan iroquois cherokee sioux apache navajo "
        "yankee creole mestizo "
        # countries
        "albanian algerian andorran angolan argentine argentinian australian "
        "austrian bahamian bahraini bangladeshi barbadian belarusian belgian "
        "belizean beninese bhutanese bolivian bosnian botswanan brazilian bruneian "
        "bulgarian burmese burundian cambodian cameroonian canadian chadian chilean "
        "chinese colombian congolese croatian cuban czech czechoslovak danish "
        "dominican dutch ecuadorian egyptian eritrean estonian ethiopian fijian "
        "filipino finnish french gabonese gambian german ghanaian greek grenadian "
        "guatemalan guinean guyanese haitian honduran hungarian icelandic indian "
        "indonesian iranian iraqi israeli italian ivorian jamaican japanese "
        "jordanian kenyan korean kuwaiti laotian latvian lebanese liberian libyan "
        "lithuanian luxembourgish malagasy malawian malaysian maldivian malian "
        "maltese mauritanian mauritian mexican monegasque montenegrin moroccan "
        "mozambican namibian nepalese nepali nicaraguan nigerian nigerien norwegian "
        "omani pakistani palestinian panamanian paraguayan peruvian polish "
        "portuguese qatari romanian rumanian russian rwandan salvadoran samoan "
        "saudi senegalese serbian serb croat slovak slovene slovenian somali "
        "sudanese surinamese swazi swedish swiss syrian taiwanese tanzanian thai "
        "togolese tongan trinidadian tunisian turkish ugandan uruguayan venezuelan "
        "vietnamese yemeni yugoslav yugoslavian zambian zimbabwean "
        "dane swede pole turk briton spaniard norseman "
        "spanish siamese abyssinian soviet"
    ).split()
)
