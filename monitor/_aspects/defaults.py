"""The built-in aspects a marketing team knows, each described in the five languages.

Every aspect has **seed phrases** (short sentences a customer might write about it; their
embeddings stand for the aspect, across languages) and **keywords** (words and phrases
that name it: matched on folded text at word boundaries, ``*`` = the word may go on, as
Swedish, Turkish, Bulgarian and Armenian add endings). A config can switch any of them
off, redefine one by its name or add its own (``[aspects]``, :mod:`monitor._config._aspects`).

Keywords name the aspect itself, not words that merely occur near it: *late* alone is not
delivery (a late reply is service), *rude* alone is not staff (a rude chat agent is service).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: What a language-keyed table holds: language code → phrases.
PerLanguage = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Aspect:
    """One aspect: its key, the label people read, seeds and keywords per language.

    ``similarity`` overrides the configured embedding threshold for this aspect (``None``:
    the shared one)."""

    name: str
    label: str
    seeds: PerLanguage
    keywords: PerLanguage
    similarity: float | None = None
    description: str = field(default="", compare=False)


PRICE = Aspect(
    name="price",
    label="Price",
    description="what it costs, value for money, fees and discounts",
    seeds={
        "en": ("The price is too high", "Good value for money", "Way too expensive for what you get"),
        "sv": ("Priset är för högt", "Prisvärt och billigt", "Alldeles för dyrt för vad man får"),
        "tr": ("Fiyatı çok yüksek", "Fiyat performans ürünü, ucuz", "Aldığınız şeye göre çok pahalı"),
        "bg": ("Цената е твърде висока", "Добро съотношение цена-качество", "Прекалено скъпо за това, което получаваш"),
        "hy": ("Գինը շատ բարձր է", "Էժան է և արժե իր գինը", "Չափազանց թանկ է"),
    },
    keywords={
        "en": (
            "price*", "pricey", "expensive", "overpriced", "cheap", "cheaper", "cheapest", "affordable",
            "value for money", "costs", "cost", "costly", "discount*", "fee", "fees", "surcharge*",
            "worth the money", "bargain", "% off", "on sale", "€", "$", "£",
        ),
        "sv": (
            "pris", "priset", "priser*", "prisvärd*", "prishöjning*", "dyr", "dyrt", "dyra", "dyrare", "billig*",
            "kostar", "kostade", "månadsavgift*", "rabatt*", "avgift*", "kronor", "kr", "valuta för pengarna", "överpris*",
        ),
        "tr": (
            "fiyat*", "pahalı*", "ucuz*", "indirim*", "ücret*", "zam", "zamlı", "zamm*", "zamlar", "zamları", "tl", "lira",
            "fiyat performans", "parasına değ*", "uygun fiyat*", "kampanya*",
        ),
        "bg": (
            "цена", "цената", "цени", "цените", "скъп*", "евтин*", "струва*", "отстъпк*", "такс*",
            "лв", "лева", "надцен*", "поскъп*", "намаление*",
        ),
        "hy": ("գին", "գինը", "գներ*", "գնով", "թանկ*", "էժան*", "արժե", "զեղչ*", "վճար*", "դրամ", "գնաճ*", "վարձ*", "գերթանկ"),
    },
)

DELIVERY = Aspect(
    name="delivery",
    label="Delivery",
    description="shipping, couriers, parcels, how fast and in what state an order arrives",
    seeds={
        "en": ("The delivery was late", "My parcel arrived quickly", "The courier lost the package"),
        "sv": ("Leveransen var försenad", "Paketet kom fram snabbt", "Budet tappade bort paketet"),
        "tr": ("Kargo geç geldi", "Paket çok hızlı ulaştı", "Kurye paketi kaybetti"),
        "bg": ("Доставката закъсня", "Пратката пристигна бързо", "Куриерът загуби колета"),
        "hy": ("Առաքումը ուշացավ", "Ծանրոցը արագ հասավ", "Առաքիչը կորցրեց փաթեթը"),
    },
    keywords={
        "en": (
            "deliver*", "shipping", "shipped", "shipment", "ship", "courier*", "parcel*", "package*",
            "tracking", "dispatch*", "postage", "postnord", "dhl", "ups", "fedex", "arrived damaged",
        ),
        "sv": (
            "leverans*", "leverera*", "levererad*", "frakt*", "paket*", "budet", "budfirma*", "spårning*",
            "postnord", "dhl", "skickad*", "skickades", "ombud*", "kom fram", "kartong*", "chaufför*",
        ),
        "tr": (
            "kargo*", "teslimat*", "teslim", "kurye*", "paket*", "gönderi*", "yurtiçi", "aras", "mng", "takip numara*",
            "kapıma", "kapımda*", "koli*",
        ),
        "bg": ("достав*", "куриер*", "пратк*", "колет*", "еконт", "спиди", "изпратен*", "изпратиха", "кашон*"),
        "hy": ("առաքում*", "առաքիչ*", "առաքել*", "առաքվ*", "ծանրոց*", "փաթեթ*", "հասցն*", "հետագծ*"),
    },
)

QUALITY = Aspect(
    name="quality",
    label="Product quality",
    description="how well the product is made and works, defects, durability",
    seeds={
        "en": ("It broke after a week", "Excellent build quality, works perfectly", "The product is defective"),
        "sv": ("Den gick sönder efter en vecka", "Bra kvalitet, fungerar perfekt", "Produkten är defekt"),
        "tr": ("Bir hafta sonra bozuldu", "Kalitesi çok iyi, sorunsuz çalışıyor", "Ürün defolu çıktı"),
        "bg": ("Счупи се след седмица", "Отлично качество, работи перфектно", "Продуктът е дефектен"),
        "hy": ("Մեկ շաբաթ անց փչացավ", "Որակը գերազանց է, լավ է աշխատում", "Ապրանքը թերի է"),
    },
    keywords={
        "en": (
            "quality", "broke", "broken", "breaks", "defect*", "faulty", "durable", "sturdy", "flimsy",
            "stopped working", "doesn't work", "does not work", "fell apart", "battery", "material*",
            "well made", "poorly made", "cheaply made", "build quality", "solid build", "well built",
            "sound quality", "stitching", "seams", "zipper",
        ),
        "sv": (
            "kvalitet*", "kvalitén", "gick sönder", "går sönder", "sönder", "trasig*", "defekt*", "hållbar*",
            "slitstark*", "fungerar inte", "funkar inte", "slutade fungera", "slutade funka", "batteri*", "material*",
            "välbyggd*", "gedigen", "ljudet", "ljudkvalitet*", "sömmar*", "blixtlås*",
        ),
        "tr": (
            "kalite*", "kaliteli", "kalitesiz", "bozuldu", "bozuk", "kırıldı", "kırık", "arıza*", "defo*",
            "sağlam", "dayanıksız", "çalışmıyor", "malzeme*", "pil", "pili", "batarya*", "sorunsuz çalışıyor",
            "fermuar*", "dikiş*", "kumaş*", "koptu", "söküldü", "sökülüyor",
        ),
        "bg": (
            "качеств*", "счупи*", "счупен*", "развали*", "дефект*", "повреден*", "не работи", "спря да работи",
            "здрав", "здрава", "издръжлив*", "батерия*", "материал*", "цип*", "платът", "плата", "некачествен*",
            "шевове*",
        ),
        "hy": ("որակ*", "կոտրվ*", "փչացավ", "փչացել", "թերի", "չի աշխատում", "դադարեց աշխատել", "մարտկոց*", "ամուր", "պոկվ*", "քանդվ*", "կարեր*"),
    },
)

SERVICE = Aspect(
    name="service",
    label="Customer service",
    description="support, answers, returns and refunds, how complaints are handled",
    seeds={
        "en": ("Customer service never answered my emails", "Support solved my problem quickly", "Still waiting for my refund"),
        "sv": ("Kundtjänst svarade aldrig på mina mejl", "Supporten löste mitt problem snabbt", "Väntar fortfarande på återbetalningen"),
        "tr": ("Müşteri hizmetleri e-postalarıma hiç cevap vermedi", "Destek ekibi sorunumu hemen çözdü", "Hâlâ iademi bekliyorum"),
        "bg": ("Обслужването на клиенти не отговори на имейлите ми", "Поддръжката реши проблема ми бързо", "Още чакам да ми върнат парите"),
        "hy": ("Հաճախորդների սպասարկումը չպատասխանեց իմ նամակներին", "Աջակցության թիմը արագ լուծեց խնդիրս", "Դեռ սպասում եմ գումարիս վերադարձին"),
    },
    keywords={
        "en": (
            "customer service", "customer support", "customer care", "support team", "helpdesk",
            "help desk", "hotline", "call center", "call centre", "refund*", "no response", "no reply",
            "never answered", "never replied", "warranty claim", "my complaint", "a complaint", "live chat",
            "tech support", "the support", "their support", "support agent*", "contacted support", "ticket*",
            "hung up", "agent", "agents",
        ),
        "sv": (
            "kundtjänst*", "kundservice*", "support*", "återbetalning*", "reklamation*", "garantiärende*",
            "inget svar", "svarar inte", "svarade aldrig", "aldrig svar", "chatten", "ringde", "bemötande*",
            "ärende*", "lade på", "la på luren", "i telefon",
        ),
        "tr": (
            "müşteri hizmetleri*", "destek*", "çağrı merkez*", "iade*", "şikayet*", "geri dönüş*", "dönüş yapıl*",
            "cevap ver*", "yanıt ver*", "ulaşamadım", "ilgilenmedi*", "ilgilendi*", "yüzüme kapat*", "temsilci*",
            "garanti süre*",
        ),
        "bg": (
            "обслужване*", "поддръжка*", "клиентск*", "кол център*", "рекламаци*", "възстановяване*",
            "върнаха парите", "върнат парите", "не отговори*", "отговориха", "отговор*", "гаранци*", "обадих*",
            "затвориха",
        ),
        "hy": (
            "սպասարկ*", "աջակցությ*", "պատասխան*", "զանգահար*", "բողոք*", "գումարի վերադարձ*",
            "գումարս", "փոխհատուցում*", "թեժ գիծ*", "երաշխիք*", "զանգ*", "անջատեցին",
        ),
    },
)

APP = Aspect(
    name="app",
    label="App / website",
    description="the app, the web shop and site: logging in, ordering online, crashes, updates",
    seeds={
        "en": ("The app keeps crashing", "I can't log in to the website", "Checkout on the site is easy to use"),
        "sv": ("Appen kraschar hela tiden", "Jag kan inte logga in på hemsidan", "Det är lätt att beställa på sajten"),
        "tr": ("Uygulama sürekli çöküyor", "Siteye giriş yapamıyorum", "Web sitesinden sipariş vermek çok kolay"),
        "bg": ("Приложението постоянно се срива", "Не мога да вляза в сайта", "Поръчката през сайта е лесна"),
        "hy": ("Հավելվածը անընդհատ փակվում է", "Չեմ կարողանում մուտք գործել կայք", "Կայքով պատվիրելը հեշտ է"),
    },
    keywords={
        "en": (
            "app", "apps", "application", "website", "web site", "site", "webshop", "web shop", "online shop",
            "log in", "login", "logged out", "sign in", "checkout", "crash*", "update", "updates",
            "user interface", "interface", "ui", "page",
        ),
        "sv": (
            "app", "appen", "appar*", "hemsida*", "webbplats*", "webbsida*", "sajt*", "webbshop*", "nätbutik*",
            "logga in", "inloggning*", "kraschar", "krascha*", "uppdatering*", "gränssnitt*", "kassan på", "avisering*",
        ),
        "tr": (
            "uygulama*", "site", "sitesi*", "siteye", "sitede", "siteden", "web sitesi*", "internet sitesi*",
            "giriş yap*", "oturum aç*", "çöküyor", "çöktü", "güncelleme*", "arayüz*", "mobil uygulama*",
        ),
        "bg": (
            "приложени*", "апп*", "сайт*", "уебсайт*", "онлайн магазин*", "вход", "влизане", "вляза", "вписване",
            "срива", "крашва*", "актуализаци*", "интерфейс*",
        ),
        "hy": ("հավելված*", "կայք*", "մուտք գործ*", "ծրագր*", "թարմացում*", "ինտերֆեյս*", "առցանց խանութ*"),
    },
)

STAFF = Aspect(
    name="staff",
    label="Staff",
    description="the people in shops, restaurants and on site: sales assistants, cashiers, waiters",
    seeds={
        "en": ("The staff in the store were very friendly", "The cashier was rude to me", "The waiter ignored us"),
        "sv": ("Personalen i butiken var jättetrevlig", "Kassörskan var otrevlig mot mig", "Servitören ignorerade oss"),
        "tr": ("Mağazadaki personel çok güler yüzlüydü", "Kasiyer bana kaba davrandı", "Garson bizimle hiç ilgilenmedi"),
        "bg": ("Персоналът в магазина беше много любезен", "Касиерката беше груба с мен", "Сервитьорът ни игнорираше"),
        "hy": ("Խանութի աշխատակիցները շատ բարեհամբույր էին", "Գանձապահը կոպիտ էր ինձ հետ", "Մատուցողը մեզ անտեսեց"),
    },
    keywords={
        "en": (
            "staff", "employee*", "salesperson", "sales assistant*", "shop assistant*", "cashier*", "waiter*",
            "waitress*", "personnel", "clerk*", "store manager", "the guy at", "the lady at", "the man at",
            "the woman at", "technician*", "at the counter",
        ),
        "sv": (
            "personal*", "anställd*", "expedit*", "kassörsk*", "kassabiträde*", "servitör*", "servitris*",
            "säljare*", "butikschef*", "killen i", "tjejen i", "mannen i", "kvinnan i", "montör*", "tekniker*",
        ),
        "tr": (
            "personel*", "çalışan*", "kasiyer*", "garson*", "görevli*", "satış danışman*", "tezgahtar*",
            "mağaza müdür*", "eleman*", "teknisyen*", "tezgah*",
        ),
        "bg": (
            "персонал*", "служител*", "продавач*", "продавачк*", "касиер*", "сервитьор*", "консултант*",
            "управител*", "техник*",
        ),
        "hy": ("աշխատակից*", "աշխատակազմ*", "անձնակազմ*", "վաճառող*", "վաճառողուհի*", "գանձապահ*", "մատուցող*", "խորհրդատու*", "մենեջեր*", "վաճառասեղան*", "վարպետ*"),
    },
)

AVAILABILITY = Aspect(
    name="availability",
    label="Availability",
    description="in stock or sold out, where and when it can be bought",
    seeds={
        "en": ("It has been out of stock for weeks", "Finally back in stock", "I could not find it in any store"),
        "sv": ("Den har varit slut i lager i veckor", "Äntligen tillbaka i lager", "Jag hittade den inte i någon butik"),
        "tr": ("Haftalardır stokta yok", "Sonunda tekrar stoklara girdi", "Hiçbir mağazada bulamadım"),
        "bg": ("От седмици няма наличност", "Най-после отново е в наличност", "Не го намерих в нито един магазин"),
        "hy": ("Շաբաթներ շարունակ առկա չէ", "Վերջապես նորից առկա է", "Ոչ մի խանութում չգտա"),
    },
    keywords={
        "en": (
            "out of stock", "in stock", "back in stock", "sold out", "unavailable", "availability", "restock*",
            "back order*", "backorder*", "waiting list", "waitlist", "not available", "stock",
            "can't find it", "couldn't find it",
        ),
        "sv": (
            "slut i lager", "i lager", "lagret", "lagerstatus", "slutsåld*", "restnoterad*", "tillgänglig*",
            "finns inte att köpa", "gick inte att få tag", "få tag på", "slutsålt", "beställningsvara",
        ),
        "tr": ("stok*", "tükendi", "tükenmiş", "mevcut değil", "bulunmuyor", "temin edil*", "bulamadım", "satışta yok", "satmıyor"),
        "bg": ("наличност*", "наличен", "налична", "налични", "изчерпан*", "на склад", "няма в наличност", "свърши*", "не го продава*"),
        "hy": ("առկա", "առկայությ*", "սպառվ*", "պահեստում", "վերջացել*", "հասանելի չէ", "չգտա", "չկա վաճառքում", "չի վաճառ*"),
    },
)

#: The built-in aspects, in the order reports list them.
DEFAULT_ASPECTS: tuple[Aspect, ...] = (PRICE, DELIVERY, QUALITY, SERVICE, APP, STAFF, AVAILABILITY)

__all__ = ["DEFAULT_ASPECTS", "Aspect", "PerLanguage"]
