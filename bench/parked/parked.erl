%% parked: 1M processes blocked in receive. Each reports to main and then waits for
%% a message that never comes. The runner divides the peak RSS by the count.
-module(parked).
-export([main/0, main/1]).

-define(N, 1000000).

main(_) -> main().

main() ->
    %% A mailbox that fills with a million messages is kept off the heap, so the
    %% garbage collector does not copy it over and over.
    process_flag(message_queue_data, off_heap),
    Parent = self(),
    spawn_all(Parent, ?N),
    Count = collect(?N, 0),
    io:format("~p~n", [Count]),
    halt(0).

spawn_all(_Parent, 0) -> ok;
spawn_all(Parent, K) ->
    spawn(fun() -> Parent ! ready, receive gate -> ok end end),
    spawn_all(Parent, K - 1).

collect(0, Count) -> Count;
collect(K, Count) ->
    receive
        ready -> collect(K - 1, Count + 1)
    end.
