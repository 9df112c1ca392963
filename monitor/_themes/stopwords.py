"""Stop words of the five supported languages: function words, pronouns, auxiliaries and
the commonest verbs and adverbs of reviews and posts — words that name no theme.

Small hand-kept lists (folded as :func:`monitor._search.fold` folds: lower case, the
Turkish dotted and dotless i both ``i``). A word shorter than two letters is never a term.
"""

from __future__ import annotations

from monitor._search import fold

_EN = """
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each even ever every few for from further get gets got had hadn't has hasn't have haven't having he
her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just
let's like me more most much must my myself no nor not now of off on once one only or other our ours
ourselves out over own really same she should shouldn't so some such than that that's the their theirs
them themselves then there there's these they they're this those through to too under until up us very
was wasn't we we're were weren't what when where which while who whom why will with won't would wouldn't
you you're your yours yourself yourselves still yet again already since back way thing things lot bit
well also though although actually honestly anyone anything someone something im ive dont doesnt cant
wont its thats theres s t re ve ll d m new now day days week weeks time doesn didn isn wasn couldn don
won aren weren hasn haven shouldn wouldn one two three four five six seven eight nine ten first second
last whole genuinely run runs running make makes made go goes going went say says said know think want
see use used using good great bad best better worse sure maybe quite pretty rather almost enough every
anyway yes ok okay lol thank thanks please hi hello
"""

_SV = """
och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man
när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får finns vara hade alla
andra mycket än här då sedan över bara in blir upp även vad få två vill ha många hur mer går sitt du
dem din ditt dina mitt min mina mig dig oss er era ert hans hennes deras dess vår vårt våra denna detta
dessa vilken vilket vilka någon något några ingen inget inga varit blev bli gör gjorde göra kunde ju nog
väl lite redan fortfarande igen hela helt mest sen utan innan genom bland medan eftersom fast dock
tills nästan ens just riktigt verkligen faktiskt typ sådan sådant sådana samma själv själva annan annat
dag dagar vecka veckor tid gång en ett två tre fyra fem sex sju åtta nio tio första sista bra dålig
bättre sämre tack hej okej ja nej
"""

_TR = """
acaba ama ancak artık aslında az bana bazı belki ben beni benim bile bir birkaç biri birşey biz bize bizi
bizim bu buna bunda bundan bunu bunun burada çok çünkü da daha de defa diye dolayı en gibi hem hep hepsi
her hiç için ile ise işte kadar ki kim kimse mı mi mu mü nasıl ne neden nerede niye o olan olarak oldu
olduğu olmak olsun on ona ondan onlar onları onların onu onun öyle pek sanki sen siz şey şimdi şu şunu
tabii tüm ve veya ya yani yine yok zaten değil var gerçekten sonra önce kendi kendine bütün olur oluyor
olduğunu bence hala hâlâ bunlar şeyi çok artık sadece yeni gün günü hafta zaman kez kere
iki üç dört beş altı yedi sekiz dokuz ilk son iyi kötü daha çok
teşekkür teşekkürler merhaba evet hayır tamam
"""

_BG = """
а аз ако ала бе без беше би бил била били било близо бъдат бъде бяха в вас ваш ваша вече ви вие все
всеки всички всичко всяка във въпреки върху г ги го да дали до докато дори е едва един една едно ето за
зад заедно заради засега затова защо защото и из или им има имат иска й каза как каква какво както
какъв като кога когато което които кой който колко която къде където към ли м ме между мен ми мисля
много мога могат може мой моля момента му н на над назад най направи напред например нас не него нея
ни ние никой нито но някои някой няколко няма обаче около освен особено от отгоре отново още пак по
повече повечето под поне поради после почти прави пред преди през при пък първата първи първо пъти
с са само се сега си скоро след сме смях според сред срещу сте съм със също т тази така такива такъв там
твой те тези ти то това тогава този той толкова точно три трябва тук тъй тя тях у утре харесва че често
чрез ще щом я ден дни седмица седмици време път два две три четири пет шест седем осем девет десет
първа последен последна добре добър добра лошо благодаря здравей да не
"""

_HY = """
ա այդ այլ այն այս անգամ առանց արդեն բայց բոլոր գուցե դա դու դուք եթե եմ են ենք ես եք է էի էին էինք էիր
էլ էր ըստ թե թեև ի իմ իր կա կամ համար հետ հետո հենց հիմա մենք մեջ մի մինչ մյուս նա նաև նրա նրանք
նույն որ որը որն որոնք որպես ու ում պիտի վրա տակ քանի քո ինչ ինչու ինչպես ով ոչ չի չեն չէ չեմ շատ
միայն էլի իսկ այստեղ այնտեղ թեկուզ քանզի որովհետև նաեւ ու եւ և հա ոչինչ ամեն ամբողջ օր օրը շաբաթ
անգամից ժամանակ երկու երեք չորս հինգ վեց յոթ ութ ինը տաս առաջին վերջին լավ վատ շնորհակալություն
բարև այո
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in words.split())
    for lang, words in (("en", _EN), ("sv", _SV), ("tr", _TR), ("bg", _BG), ("hy", _HY))
}


def stop_words(lang: str | None) -> frozenset[str]:
    """The stop words of ``lang`` (every list's together for an unknown language)."""
    if lang in STOP_WORDS:
        return STOP_WORDS[lang]
    return frozenset().union(*STOP_WORDS.values())


__all__ = ["STOP_WORDS", "stop_words"]
