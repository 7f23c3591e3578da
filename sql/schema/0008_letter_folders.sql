-- letter_folders: one row per letters run folder this database made (out/<c>/letters/<run>/),
-- recorded before the folder is made. Only such a folder may be removed when its run died
-- before recording its letters; a folder the database does not know is never removed.

create table letter_folders (
    campaign    varchar not null,
    run_id      varchar not null,
    primary key (campaign, run_id)
);
