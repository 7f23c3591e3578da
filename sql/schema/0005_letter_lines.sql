-- letters: email and sms letters are lines of a batch file, like post letters are pages

alter table letters drop column text_path;
alter table letters add column line integer;  -- line in the batch JSON Lines file (email, sms)
