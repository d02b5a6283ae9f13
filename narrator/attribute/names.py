"""Common English given names by gender (a prior; pronouns and honorifics in the text win)."""

from __future__ import annotations

_FEMALE = """mary anne ann anna elizabeth eliza betsy bess jane janet jean emma emily harriet catherine
katharine kate kitty margaret maggie meg sarah sally susan susanna lucy louisa lydia charlotte caroline
fanny frances isabella isabel ellen helen nelly elinor eleanor marianne amelia julia sophia sophy
georgiana maria martha rachel rachael rebecca ruth esther edith alice agnes clara cecilia cecily
dorothy dora florence grace hannah hester laura lilian lily lizzie mabel matilda nancy olivia
rose rosamond sissy sybil violet winifred may ada beatrice bertha ethel gertrude irene janey joan
josephine judith kitty letitia lavinia marian mildred millicent nora philippa regina sylvia teresa
ursula vera victoria medora adeline cassandra celia hilda molly polly peggy tess""".split()
_MALE = """john james william george charles henry thomas tom edward robert richard arthur albert alfred
frederick frank francis walter harry jack joseph samuel stephen peter paul philip michael david daniel
benjamin matthew mark luke andrew anthony alexander hugh ralph roger simon timothy nicholas oliver
lawrence laurence herbert horace hubert leonard lewis louis martin nathaniel patrick ernest edmund
edgar gilbert guy harold humphrey isaac jacob jonathan josiah julius lionel mortimer newland ned
owen percy rupert sidney silas trevor vincent wilfred bill bob dick jim joe ned sam tim will
sherlock mr bartholomew thaddeus athelney""".split()
FIRST_NAME_GENDER: dict[str, str] = {
    **{n: "female" for n in _FEMALE},
    **{n: "male" for n in _MALE},
}
