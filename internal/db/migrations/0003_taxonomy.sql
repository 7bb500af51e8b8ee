-- Shared taxonomies curated by admins: themes (the outcomes taxonomy reused
-- by the directory, partnerships, events, outcomes and opportunities),
-- services, and client groups. Seeded with the strategy's themes; themes
-- carry legacy National Indicator codes (2008 set) and a cross-walk to
-- current frameworks (PHOF: Public Health Outcomes Framework; ASCOF: Adult
-- Social Care Outcomes Framework; SDG: UN Sustainable Development Goals).
CREATE TABLE taxonomy_terms (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	vocabulary TEXT NOT NULL CHECK (vocabulary IN ('theme','service','client_group')),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	ni_codes TEXT NOT NULL DEFAULT '',
	crosswalk TEXT NOT NULL DEFAULT '',
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	position INTEGER NOT NULL DEFAULT 0,
	UNIQUE (vocabulary, code)
);

INSERT INTO taxonomy_terms (uuid, vocabulary, code, name, description, ni_codes, crosswalk, position) VALUES
('0b6f1c1e-2a51-4c1e-9a0e-000000000101','theme','health-wellbeing','Health and wellbeing','People live longer, healthier lives','NI 119','PHOF 1 (healthy life expectancy); SDG 3',1),
('0b6f1c1e-2a51-4c1e-9a0e-000000000102','theme','mental-health','Mental health','Better mental health and fewer people in crisis','NI 150','PHOF 2.23 (self-reported wellbeing); ASCOF 1F; SDG 3.4',2),
('0b6f1c1e-2a51-4c1e-9a0e-000000000103','theme','drugs-alcohol','Drug and alcohol recovery','Fewer people harmed by drugs and alcohol; more in recovery','NI 39; NI 40','PHOF C19 (successful completion of treatment); SDG 3.5',3),
('0b6f1c1e-2a51-4c1e-9a0e-000000000104','theme','children-young-people','Children and young people','Young people take part in positive activities and achieve','NI 110; NI 117','PHOF 1.05 (16-17 year olds not in education, employment or training); SDG 4',4),
('0b6f1c1e-2a51-4c1e-9a0e-000000000105','theme','older-people','Older people and independent living','Older people get the support they need to live independently at home','NI 139','ASCOF 1A, 2A; SDG 3',5),
('0b6f1c1e-2a51-4c1e-9a0e-000000000106','theme','employment-skills','Employment and skills','More people in good work and learning','NI 152','PHOF 1.08 (employment gap); SDG 8',6),
('0b6f1c1e-2a51-4c1e-9a0e-000000000107','theme','housing-homelessness','Housing and homelessness','Fewer households homeless or in temporary accommodation','NI 156; NI 141; NI 142','PHOF 1.15 (statutory homelessness); SDG 11.1',7),
('0b6f1c1e-2a51-4c1e-9a0e-000000000108','theme','community-safety','Community safety','Safer neighbourhoods and less anti-social behaviour','NI 17','PHOF 1.12 (violent crime); SDG 16',8),
('0b6f1c1e-2a51-4c1e-9a0e-000000000109','theme','domestic-abuse','Domestic abuse','Fewer repeat incidents of domestic abuse','NI 32','PHOF 1.11 (domestic abuse); SDG 5.2',9),
('0b6f1c1e-2a51-4c1e-9a0e-000000000110','theme','financial-inclusion','Financial inclusion and poverty','Fewer children and families in poverty; access to advice and fair credit','NI 116','PHOF 1.01 (children in low income families); SDG 1',10),
('0b6f1c1e-2a51-4c1e-9a0e-000000000111','theme','environment','Environment and sustainability','Cleaner streets and lower carbon emissions','NI 186; NI 195','SDG 11; SDG 13',11),
('0b6f1c1e-2a51-4c1e-9a0e-000000000112','theme','volunteering','Volunteering and civic participation','More people volunteer and influence local decisions','NI 4; NI 6; NI 7','Community Life Survey (formal volunteering); SDG 16.7',12),
('0b6f1c1e-2a51-4c1e-9a0e-000000000113','theme','carers','Carers','Carers are assessed and supported','NI 135','ASCOF 1D (carer-reported quality of life); SDG 5.4',13),
('0b6f1c1e-2a51-4c1e-9a0e-000000000114','theme','arts-culture-sport','Arts, culture and sport','More adults take part in sport and the arts','NI 8; NI 11','PHOF 2.13 (physically active adults); SDG 3',14),
('0b6f1c1e-2a51-4c1e-9a0e-000000000115','theme','cohesion-equality','Cohesion and equality','People from different backgrounds get on well together','NI 1','SDG 10; SDG 16',15),
('0b6f1c1e-2a51-4c1e-9a0e-000000000116','theme','disability','Disability and independent living','Disabled people live independently with choice and control','NI 136','ASCOF 1B, 1G; SDG 10.2',16),
('0b6f1c1e-2a51-4c1e-9a0e-000000000117','theme','families','Families and parenting','Families are supported early, before problems escalate','','Supporting Families outcomes framework; SDG 1',17);

INSERT INTO taxonomy_terms (uuid, vocabulary, code, name, position) VALUES
('0b6f1c1e-2a51-4c1e-9a0e-000000000201','service','advice-advocacy','Advice and advocacy',1),
('0b6f1c1e-2a51-4c1e-9a0e-000000000202','service','befriending','Befriending and social contact',2),
('0b6f1c1e-2a51-4c1e-9a0e-000000000203','service','counselling','Counselling and emotional support',3),
('0b6f1c1e-2a51-4c1e-9a0e-000000000204','service','debt-money','Debt and money advice',4),
('0b6f1c1e-2a51-4c1e-9a0e-000000000205','service','food','Food provision',5),
('0b6f1c1e-2a51-4c1e-9a0e-000000000206','service','housing-support','Housing support',6),
('0b6f1c1e-2a51-4c1e-9a0e-000000000207','service','employment-support','Employment support and training',7),
('0b6f1c1e-2a51-4c1e-9a0e-000000000208','service','youth-work','Youth work',8),
('0b6f1c1e-2a51-4c1e-9a0e-000000000209','service','peer-support','Peer support',9),
('0b6f1c1e-2a51-4c1e-9a0e-000000000210','service','recovery-support','Drug and alcohol recovery support',10),
('0b6f1c1e-2a51-4c1e-9a0e-000000000211','service','carers-support','Support for carers',11),
('0b6f1c1e-2a51-4c1e-9a0e-000000000212','service','health-promotion','Health promotion and physical activity',12),
('0b6f1c1e-2a51-4c1e-9a0e-000000000213','service','volunteering-brokerage','Volunteer recruitment and brokerage',13),
('0b6f1c1e-2a51-4c1e-9a0e-000000000214','service','community-transport','Community transport',14),
('0b6f1c1e-2a51-4c1e-9a0e-000000000215','service','arts-activities','Arts and cultural activities',15),
('0b6f1c1e-2a51-4c1e-9a0e-000000000216','service','domestic-abuse-support','Domestic abuse support',16),
('0b6f1c1e-2a51-4c1e-9a0e-000000000217','service','training-capacity','Training and capacity building for organisations',17),
('0b6f1c1e-2a51-4c1e-9a0e-000000000218','service','environmental-action','Environmental action',18),
('0b6f1c1e-2a51-4c1e-9a0e-000000000301','client_group','children','Children (0-12)',1),
('0b6f1c1e-2a51-4c1e-9a0e-000000000302','client_group','young-people','Young people (13-25)',2),
('0b6f1c1e-2a51-4c1e-9a0e-000000000303','client_group','older-people','Older people',3),
('0b6f1c1e-2a51-4c1e-9a0e-000000000304','client_group','disabled-people','Disabled people',4),
('0b6f1c1e-2a51-4c1e-9a0e-000000000305','client_group','carers','Carers',5),
('0b6f1c1e-2a51-4c1e-9a0e-000000000306','client_group','families','Families',6),
('0b6f1c1e-2a51-4c1e-9a0e-000000000307','client_group','people-in-recovery','People in recovery',7),
('0b6f1c1e-2a51-4c1e-9a0e-000000000308','client_group','homeless-people','People who are homeless',8),
('0b6f1c1e-2a51-4c1e-9a0e-000000000309','client_group','refugees-asylum','Refugees and people seeking asylum',9),
('0b6f1c1e-2a51-4c1e-9a0e-000000000310','client_group','unemployed-people','People out of work',10),
('0b6f1c1e-2a51-4c1e-9a0e-000000000311','client_group','people-mental-health','People with mental health needs',11),
('0b6f1c1e-2a51-4c1e-9a0e-000000000312','client_group','veterans','Armed forces veterans',12),
('0b6f1c1e-2a51-4c1e-9a0e-000000000313','client_group','victims-survivors','Victims and survivors of crime and abuse',13),
('0b6f1c1e-2a51-4c1e-9a0e-000000000314','client_group','everyone','Everyone in the community',14);
