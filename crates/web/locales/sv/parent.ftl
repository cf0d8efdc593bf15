# Texts of the parents' pages (/p/CODE): the parent answers anonymously in
# their own language. Every language folder with a parent.ftl is offered;
# parent-language-code must be the folder's name. Keys must match this file
# (a test checks). See docs/translations.md for which texts need review.
parent-language-code = sv
parent-language-name = Svenska
parent-dir = ltr
parent-languages = Välj språk
parent-title = Vad tyckte du om stödet?
parent-intro = Vi vill veta vad du tycker, så att stödet till föräldrar kan bli bättre.
parent-anonymous = Dina svar är anonyma. Vi frågar inte efter ditt namn och sparar inget som visar vem du är. Svaren räknas bara ihop med andras svar.
parent-optional = Du kan hoppa över en fråga om du inte vill svara på den.
parent-submit = Skicka svaren
parent-nothing-chosen = Du har inte valt något svar. Välj ett svar på minst en fråga, eller ”Vill inte svara”, och skicka igen.
parent-invalid-answer = Välj ett av svaren på frågan.
parent-thanks-title = Tack!
parent-thanks = Tack för dina svar. De är sparade.
parent-thanks-single = Du kan stänga sidan nu, eller lämna tillbaka telefonen eller surfplattan.
parent-next = Nästa förälder kan svara
parent-used-title = Redan besvarad
parent-used = Den här länken har redan använts, så svaren är redan sparade. Tack! Du behöver inte göra något mer.
parent-expired-title = Länken gäller inte längre
parent-expired = Den här länken har slutat gälla. Det gör inget – tack för att du ville svara.
parent-unknown-title = Länken hittades inte
parent-unknown = Vi hittar ingen sida med den här adressen. Kontrollera att länken är rätt skriven, eller be personen du träffade om en ny.
parent-too-many = Det har kommit för många försök med fel länk. Vänta en stund och försök igen.
parent-q-conversation-q_right_topics = Har vi pratat om rätt saker i detta samtal?
parent-q-conversation-q_helpful = Har samtalet varit till hjälp för dig som förälder?
parent-q-conversation-q_recommend = Skulle du rekommendera andra att ha kontakt med oss?
parent-q-conversation-q_easy_reach = Var det lätt att nå oss, till exempel för att boka tid för samtalet?
parent-q-home_visit-programme_helpful = Har programmet varit till hjälp för dig som förälder?
parent-q-group_meeting-q_right_topics = Har vi pratat om rätt saker på träffen?
parent-q-group_meeting-q_helpful = Har träffen varit till hjälp för dig som förälder?
parent-q-group_meeting-q_recommend = Skulle du rekommendera andra att delta?
parent-q-programme_group-q_right_topics = Har vi pratat om rätt saker i gruppen?
parent-q-programme_group-q_helpful = Har gruppen varit till hjälp för dig som förälder?
parent-q-programme_group-q_recommend = Skulle du rekommendera andra att delta i gruppen?
parent-a-yes_really = Ja, verkligen
parent-a-yes = Ja
parent-a-not_really = Nej, inte särskilt
parent-a-not_at_all = Nej, inte alls
parent-a-no_answer = Vill inte svara
