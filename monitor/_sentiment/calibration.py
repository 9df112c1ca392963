"""Built-in calibration texts for ``onnx-int8`` (activation ranges for SmoothQuant scaling).

The int8 graph is built on the user's machine, where the labelled data is not available, so
the activation ranges come from these sentences: mentions of the kinds the model scores
(reviews, complaints, questions, news-like lines, tweets with handles, tags and links) in
the five supported languages, short and long, positive, negative and neutral. Only per-channel
maxima are taken from them; no label is used. Changing this list changes the int8 cache key.
"""

from __future__ import annotations

CALIBRATION_TEXTS: tuple[str, ...] = (
    # en
    "I love this phone, the camera is amazing and the battery lasts all day!",
    "Terrible service, they lost my luggage and nobody helped. Never again.",
    "@airline where is my bag? Flight 2231 landed three hours ago.",
    "The store opens at 9 am on weekdays and at 10 am on Saturdays.",
    "Not bad for the price, but the speaker sounds a bit thin at high volume.",
    "Just got the new update #app https://example.com/news/123 - anyone else seeing crashes?",
    "The council will discuss the new bus routes at Tuesday's meeting, according to a statement.",
    "Great hotel, friendly staff, clean rooms. Breakfast was average and parking was expensive, "
    "but overall I would stay again. The location is perfect for walking to the old town and the "
    "river, and the receptionist helped us book a tour at the last minute.",
    "Worst customer support ever 😡 three emails, two calls, zero answers!!!",
    "ok",
    "Thanks so much for the quick reply, problem solved 🙂",
    "Delivered on time. Works as described.",
    # sv
    "Fantastisk service, personalen var jättetrevlig och maten var underbar!",
    "Usel kundtjänst, ingen svarar och paketet är fortfarande borta. Aldrig mer.",
    "Vet någon när butiken på Drottninggatan öppnar igen efter renoveringen?",
    "Regeringen presenterar budgeten på torsdag enligt ett pressmeddelande.",
    "Helt okej, men leveransen tog nästan två veckor och kartongen var trasig.",
    "@SJ tåget står still utanför Södertälje igen, ingen information alls #förseningar",
    "Vi bodde tre nätter på hotellet. Rummet var litet men rent, frukosten var bra och personalen "
    "hjälpte oss med allt vi frågade om. Det enda negativa var ljudet från gatan på natten, men "
    "med öronproppar gick det bra att sova.",
    "Tack för hjälpen! 👍",
    # tr
    "Harika bir ürün, çok memnun kaldım, herkese tavsiye ederim!",
    "Berbat bir hizmet, param çöpe gitti, kesinlikle tavsiye etmiyorum.",
    "Kargom ne zaman gelecek? Üç gündür aynı depoda bekliyor.",
    "Belediye yeni metro hattının yapımına gelecek ay başlayacağını açıkladı.",
    "Fiyatına göre idare eder ama bataryası beklediğim kadar uzun gitmiyor.",
    "@Turkcell internet yine çekmiyor, ne zaman düzelecek?? #internet",
    "Film genel olarak güzeldi, oyunculuklar başarılıydı ama senaryo bazı yerlerde fazla uzadı. "
    "Müzikleri çok beğendim, özellikle son sahnedeki şarkı harikaydı. Yine de ikinci yarıda biraz "
    "sıkıldığımı söylemeliyim.",
    "Teşekkürler, çok hızlı döndünüz 🙏",
    # bg
    "Страхотен филм, много ми хареса, препоръчвам го на всички!",
    "Ужасно обслужване, чакахме цял час и храната беше студена.",
    "Някой знае ли дали магазинът работи в неделя?",
    "Общинският съвет ще обсъди новия бюджет на заседание в четвъртък.",
    "Филмът е приличен, но краят е предвидим и някои сцени са излишно дълги.",
    "@bdz пак закъснение от 40 минути, без никакво обяснение #влак",
    "Ресторантът е на хубаво място в центъра. Обслужването беше бързо, порциите големи, а цените "
    "нормални за района. Десертът не беше нищо особено, но като цяло вечерята мина чудесно и "
    "бихме се върнали отново с приятели.",
    "Благодаря за бързия отговор!",
    # hy
    "Շատ լավ ծառայություն է, անձնակազմը հրաշալի էր, շնորհակալություն։",
    "Սարսափելի ծառայություն էր, այլևս երբեք չեմ գնա այնտեղ։",
    "Որևէ մեկը գիտի՞, թե խանութը կիրակի օրը բաց է։",
    "Կառավարությունը հինգշաբթի կներկայացնի նոր բյուջեն։",
    "Ֆիլմը վատը չէր, բայց վերջը շատ կանխատեսելի էր։",
    "Ռեստորանը գտնվում է կենտրոնում, սպասարկումը արագ էր, իսկ ուտելիքը՝ համեղ։ Գները մի քիչ "
    "բարձր էին, բայց ընդհանուր առմամբ երեկոն շատ լավ անցավ, և մենք անպայման կվերադառնանք։",
    "Շնորհակալություն արագ պատասխանի համար 🙂",
)

__all__ = ["CALIBRATION_TEXTS"]
