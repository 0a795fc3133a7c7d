%% spawn: start 1M processes that each send their index to the main process;
%% main receives and sums. A mailbox has no bound, so there is no buffer size.
%% Needs the process limit raised (the runner passes +P 2000000).
-module(spawn).
-export([main/0, main/1]).

-define(N, 1000000).

main(_) -> main().

main() ->
    %% A mailbox that fills with a million messages is kept off the heap, so the
    %% garbage collector does not copy it over and over.
    process_flag(message_queue_data, off_heap),
    Parent = self(),
    spawn_all(Parent, 0),
    Sum = collect(?N, 0),
    io:format("~p~n", [Sum]),
    halt(0).

spawn_all(_Parent, ?N) -> ok;
spawn_all(Parent, I) ->
    spawn(fun() -> Parent ! {index, I} end),
    spawn_all(Parent, I + 1).

collect(0, Sum) -> Sum;
collect(K, Sum) ->
    receive
        {index, I} -> collect(K - 1, Sum + I)
    end.
