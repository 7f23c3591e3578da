-- what a payout does to what its instruction was paid (SPEC §7), written once for every
-- statement that adds payouts up: +1 a payment, or a return reversed (the payment stands);
-- -1 a return, or a payment reversed (the money came back); 0 a payment that failed
create or replace macro recall_paid_sign(status) as
    case
        when status in ('paid', 'return_reversed') then 1
        when status in ('returned', 'reversed') then -1
        else 0
    end;
